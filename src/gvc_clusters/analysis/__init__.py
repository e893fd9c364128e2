"""The analysis layer: the book's tables replicated, chapter 9, coding, cases, simulated scale data."""
