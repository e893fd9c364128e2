"""The claims layer: the book's claims (data/claims/claims.yaml, checked verbatim against the seed)
and their verdicts from the fitted models under one declared rule. It sits above models/ (it reads
their results) and below output/ (the verdict table and the words about it read its file)."""
