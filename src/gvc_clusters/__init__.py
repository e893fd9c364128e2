"""gvc_clusters: the data, models and reports behind *Upgrading to Compete* (Pietrobelli & Rabellotti, 2006).

Stages, one subpackage or module each:
  sources / rawtable / decisions / checks  -> read the printed tables and apply the editor's decisions
  parse.<family>                            -> tidy, typed tables per table family
  schemas                                   -> pandera contracts of every processed table
  replicate                                 -> the book's own chapter 10 tables, printed vs reproduced
"""

__version__ = "0.1.0"
