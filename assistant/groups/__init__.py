"""Groups: what each group did (chat exports, activity, outcomes of posted topics) and the reports on it."""
