"""Product understanding for any product: the type library, the selling-point lexicon, the occasion vocabulary,
and the profile inferred from a name, a category and selling points (`profile_for`, `explain`)."""

from assistant.products.explain import ProductExplanation, TypeMatch, explain
from assistant.products.infer import profile_for
from assistant.products.library import Category, ProductType, TypeLibrary, load_library
from assistant.products.occasions import (
    Occasion,
    OccasionFit,
    fitting,
    load_occasions,
    profile_themes,
    themes_of_event,
    themes_of_text,
    windows_on,
)
from assistant.products.points import PointMatch, SellingPoint, load_lexicon, match_points, points_in_name
from assistant.products.profile import LOW_CONFIDENCE, ProductProfile, ProfileSummary, TypeCandidate

__all__ = [
    "LOW_CONFIDENCE",
    "Category",
    "Occasion",
    "OccasionFit",
    "PointMatch",
    "ProductExplanation",
    "ProductProfile",
    "ProductType",
    "ProfileSummary",
    "SellingPoint",
    "TypeCandidate",
    "TypeLibrary",
    "TypeMatch",
    "explain",
    "fitting",
    "load_lexicon",
    "load_library",
    "load_occasions",
    "match_points",
    "points_in_name",
    "profile_for",
    "profile_themes",
    "themes_of_event",
    "themes_of_text",
    "windows_on",
]
