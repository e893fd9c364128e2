"""gvc_clusters: the data, models and reports behind *Upgrading to Compete* (Pietrobelli & Rabellotti, 2006).

One subpackage per layer, in the order the data flow through them, on a small shared core:
  (root)     vocabulary, errors, layout, workflow_plan, config_defaults, preflight, results, io, jobs,
             templating: the words, paths and records every layer shares
  data/      the printed tables as transcribed: sources, decisions, checks, families (parse/, schemas/),
             the readings the checksums allow
  analysis/  the book's own tables replicated, chapter 9, model variables, cases, simulated scale data
  models/    ordered (ordinal/) and panel (panel/) estimators, config specs, the book's panels
  output/    the exhibit registry, drawers, report, paper, README, codebook, deposit archive
"""

__version__ = "0.1.0"
