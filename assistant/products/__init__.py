"""Product understanding for any product: the type library, the selling-point lexicon, occasions, and the
profile inferred from a name, a category and selling points."""
