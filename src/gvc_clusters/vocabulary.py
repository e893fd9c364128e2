"""The project's one vocabulary: the domain words and a human label for every name.

Two parts, both here so each word is written once:

- The domain words (chain types, upgrading types, CE degrees, sector groups, the chapter 9
  products) and how the book prints them. The parsers, the pandera schemas (``schemas/``), the
  coding of model variables, the replication and the renderers take them from here; a test checks
  the schema enums against them.
- Human labels for variables, outcomes, model kinds, specs and categories. Every renderer (tables,
  figures, the HTML report, the paper) asks here, so a variable prints the same everywhere. User
  specs may add or override labels with config ``labels:`` (``Vocabulary.with_overrides``); a name
  without a label falls back to a readable form of the name ("ce_low" -> "CE low") and
  ``unlabelled`` lists the names that used the fallback, so a test can require none.

What each processed *column* means (descriptions, units, missing values) is the codebook's part of
the vocabulary: ``schemas/vocabulary.py`` (it needs pandera, this module must not).

Light on purpose (no pandas): the workflow may import it when it builds its DAG.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# ------------------------------------------------------------------------------------------------
# Domain words
# ------------------------------------------------------------------------------------------------
UPGRADING_TYPES = ("product", "process", "functional", "intersectoral")
CHAIN_TYPES = ("market", "network", "quasi_hierarchy", "hierarchy")
CE_DEGREES = ("Low", "Medium", "High")
CE_LEVELS = {degree: level for level, degree in enumerate(CE_DEGREES, start=1)}   # Low = 1 ... High = 3
SECTOR_GROUPS = ("traditional_manufacturing", "natural_resource_based", "complex_products", "specialized_suppliers")
# Chapter 10's printed tables the project transcribes and replicates (10-3 prints words, not data),
# and the three of upgrading scores: the one list of them.
CHAPTER10_TABLES = ("10-1", "10-2", "10-4", "10-5", "10-6")
UPGRADING_TABLES = CHAPTER10_TABLES[2:]
# The upgrading table of each sector group (the software clusters have none).
UPGRADING_TABLE_SECTORS = dict(zip(UPGRADING_TABLES, SECTOR_GROUPS[:3], strict=True))


def table_file_stem(table_id: str) -> str:
    """A printed table's file stem: '10-4' -> 'table_10_4' (raw, replication and report files)."""
    return "table_" + table_id.replace("-", "_")
# Traditional manufacturing (the first group) is the base sector: the book's argument contrasts the
# others with it. Sector group -> its dummy (the models' variable names).
SECTOR_DUMMIES = dict(zip(SECTOR_GROUPS[1:], ("sector_natural_resource", "sector_complex_products", "sector_software"),
                          strict=True))
# Chapter 9: the product blocks as printed (letter -> name), per table.
TRADE_PRODUCTS = {
    "9-2": {"a": "Salmon, fresh or chilled, whole", "b": "Salmon, Pacific, frozen, whole",
            "c": "Salmon, Atlantic or Danube, frozen, whole", "d": "Salmon, smoked, including fillets"},
    "9-4": {"a": "Office furniture", "b": "Kitchen furniture", "c": "Bedroom furniture"},
}

# How the book prints them (also the human labels of the categories).
UPGRADING_TYPE_LABELS = dict(zip(UPGRADING_TYPES, ("Product", "Process", "Functional", "Intersectoral"), strict=True))
CHAIN_TYPE_LABELS = dict(zip(CHAIN_TYPES, ("Market", "Network", "Quasi-hierarchy", "Hierarchy"), strict=True))
SECTOR_GROUP_LABELS = dict(zip(SECTOR_GROUPS, ("Traditional manufacturing", "Natural-resource-based", "Complex products",
                                               "Specialized suppliers"), strict=True))
# Printed headings -> words: the upgrading columns of Tables 10-4 to 10-6, the chain columns of
# Table 10-2, the sector rows of Table 10-1.
PRINTED_UPGRADING_TYPES = {f"{label} upgrading": name for name, label in UPGRADING_TYPE_LABELS.items()}
PRINTED_CHAIN_TYPES = {label: name for name, label in CHAIN_TYPE_LABELS.items()}
PRINTED_SECTOR_GROUPS = {label: name for name, label in SECTOR_GROUP_LABELS.items()}

# ------------------------------------------------------------------------------------------------
# Human labels
# ------------------------------------------------------------------------------------------------
VARIABLES = {
    "ce_level": "CE degree (1–3)",
    "ce_low": "Low CE degree",
    "ce_high": "High CE degree",
    "quasi_hierarchy_global": "Global quasi-hierarchy",
    "quasi_hierarchy_domestic": "Domestic quasi-hierarchy",
    "quasi_hierarchy_any": "Quasi-hierarchy chain",
    "market_global": "Global market chain",
    "market_domestic": "Domestic market chain",
    "market_any": "Market chain",
    "network_global": "Global network chain",
    "network_domestic": "Domestic network chain",
    "network_any": "Network chain",
    "hierarchy_global": "Global hierarchy chain",
    "hierarchy_domestic": "Domestic hierarchy chain",
    "hierarchy_any": "Hierarchy chain",
    "any_global_chain": "Any global chain",
    "sector_natural_resource": "Natural-resource sector",
    "sector_complex_products": "Complex-products sector",
    "sector_software": "Software sector",
    "sector": "Sector group",
    "ce_x_complex": "CE × complex products (precomputed)",
    "ce_level:sector_complex_products": "CE × complex products",
    "ce_level | sector_complex_products=1": "CE degree, within complex-products clusters",
    "ce_level | sector_complex_products=0": "CE degree, within the other clusters",
    "quasi_hierarchy_global_x_complex": "Global quasi-hierarchy × complex products",
    "quasi_hierarchy_x_product": "Quasi-hierarchy × product upgrading",
    "quasi_hierarchy_x_process": "Quasi-hierarchy × process upgrading",
    "quasi_hierarchy_x_functional": "Quasi-hierarchy × functional upgrading",
    "hierarchy_x_product": "Hierarchy × product upgrading",
    "hierarchy_x_process": "Hierarchy × process upgrading",
    "hierarchy_x_functional": "Hierarchy × functional upgrading",
    "market_x_product": "Market × product upgrading",
    "market_x_process": "Market × process upgrading",
    "market_x_functional": "Market × functional upgrading",
    "network_x_product": "Network × product upgrading",
    "network_x_process": "Network × process upgrading",
    "network_x_functional": "Network × functional upgrading",
    "type_product": "Product upgrading (type)",
    "type_process": "Process upgrading (type)",
    "type_functional": "Functional upgrading (type)",
    "type_intersectoral": "Intersectoral upgrading (type)",
    "dlog_unit_value": "Δ log unit value",
    "dlog_market_share": "Δ log market share",
    "quasi_hierarchy_present": "Quasi-hierarchy present",
    "nafta": "NAFTA member",
    "nafta_x_2001": "NAFTA member × 2001 on",
    "log_imports": "Log imports",
    "const": "Constant",
    "Intercept": "Constant",
}

OUTCOMES = {
    **{name: f"{label} upgrading" for name, label in UPGRADING_TYPE_LABELS.items()},
    "upgrading": "Upgrading score",
    "score": "Upgrading score (0–3)",
    "upgrading_score": "Upgrading score",
    "dlog_market_share": "Δ log market share",
    "log_imports": "Log US imports",
}

KINDS = {
    "ordered_probit": "Ordered probit",
    "ordered_logit": "Ordered logit",
    "panel_ols": "Fixed effects (PanelOLS)",
    "random_effects": "Random effects",
    "pooled_ols": "Pooled OLS",
    "ols": "OLS",
}

SPECS = {
    "ce_governance": "Collective efficiency and governance",
    "governance_types": "Types of value-chain governance",
    "ce_by_sector": "Collective efficiency within each sector group",
    "buyers_by_sector": "Global buyers' chains within each sector group",
    "upgrading_governance": "Governance × upgrading type (panel)",
    "trade_share_change": "Market share and unit value (chapter 9)",
    "us_furniture_imports": "US furniture imports (Table 5-3)",
}

CATEGORIES = {
    "rule_variant": {"text": "Amighini (text rule)", "printed": "Amighini (printed rule)",
                     "kaplinsky_readman": "Kaplinsky–Readman"},
    "sector_group": dict(SECTOR_GROUP_LABELS),
    "role": {"coef": "coefficient", "ame": "average marginal effect", "cutpoint": "cutpoint"},
    "status": {"match": "Match", "rounding": "Rounding", "no_match": "No match", "not_printed": "Not printed"},
}

ROLES = {"coef": "Coefficients", "ame": "Average marginal effects", "cutpoint": "Cutpoints"}

_SPLIT = re.compile(r"[_\s]+")
_ACRONYMS = {"ce": "CE", "ols": "OLS", "fe": "FE", "re": "RE", "us": "US", "nafta": "NAFTA", "ame": "AME",
             "se": "SE", "ci": "CI"}


def humanize(name: str) -> str:
    """A readable fallback for a name without a label: 'ce_low' -> 'CE low', 'a_x_b' -> 'A × b'."""
    words = [_ACRONYMS.get(w.lower(), w) for w in _SPLIT.split(str(name)) if w]
    # 'x' is a product sign only between two words: a variable may be called x
    text = " ".join("×" if w == "x" and 0 < i < len(words) - 1 else w for i, w in enumerate(words))
    return text[:1].upper() + text[1:]


def cutpoint_key(term: str) -> tuple[float, float]:
    """Natural order of ordered-model cutpoints '0/1', '0.5/1', '1/1.5', ...: numerically by both ends."""
    low, _, high = str(term).partition("/")
    try:
        return float(low), float(high or "inf")
    except ValueError:
        return float("inf"), float("inf")


def category_key(value: str) -> tuple[int, float, str]:
    """Outcome categories in natural order: numbers numerically ('0.5' < '1' < '1.5' < '2' < '10')."""
    try:
        return 0, float(value), ""
    except (TypeError, ValueError):
        return 1, 0.0, str(value)


@dataclass
class Vocabulary:
    """Labels by kind of name; ``overrides`` (config ``labels:``) wins over the built-in ones."""
    variables: dict = field(default_factory=lambda: dict(VARIABLES))
    outcomes: dict = field(default_factory=lambda: dict(OUTCOMES))
    kinds: dict = field(default_factory=lambda: dict(KINDS))
    specs: dict = field(default_factory=lambda: dict(SPECS))
    categories: dict = field(default_factory=lambda: {k: dict(v) for k, v in CATEGORIES.items()})
    unlabelled: set = field(default_factory=set)

    def with_overrides(self, overrides: Mapping | None) -> Vocabulary:
        """Config ``labels: {variables: {...}, outcomes: {...}, kinds: {...}, specs: {...}, categories:
        {column: {value: label}}}``; any key may be absent."""
        out = Vocabulary()
        for key, value in (overrides or {}).items():
            if key not in ("variables", "outcomes", "kinds", "specs", "categories"):
                raise ValueError(f"config labels: unknown group {key!r}; expected variables, outcomes, kinds, "
                                 "specs or categories")
            if key == "categories":
                for column, mapping in value.items():
                    out.categories.setdefault(column, {}).update(mapping)
            else:
                getattr(out, key).update(value)
        return out

    def with_spec_labels(self, labels: Mapping | None) -> Vocabulary:
        """This vocabulary with a user spec's own ``labels:`` (terms and outcome names of its table) on
        top: the labels are read when the report is drawn, so adding one never refits a model."""
        if not labels:
            return self
        out = Vocabulary(dict(self.variables), dict(self.outcomes), dict(self.kinds), dict(self.specs),
                         {k: dict(v) for k, v in self.categories.items()})
        out.variables.update(labels)
        out.outcomes.update({k: v for k, v in labels.items() if k in out.outcomes or ":" not in k})
        return out

    def _get(self, table: Mapping, name: str) -> str:
        if name in table:
            return table[name]
        self.unlabelled.add(str(name))
        return humanize(name)

    def variable(self, name: str) -> str:
        """A variable's label; a declared interaction 'a:b' and a conditional effect 'a | b=1' without
        an entry of their own are labelled from their parts."""
        name = str(name)
        if name not in self.variables and ":" in name and " | " not in name:
            return " × ".join(self.variable(part) for part in name.split(":"))
        if name not in self.variables and " | " in name:
            variable, _, condition = name.partition(" | ")
            moderator, _, value = condition.partition("=")
            try:
                float(value)
            except ValueError:   # a level of a categorical ("sector=sector_complex_products"): its group
                group = self.variable(value) if value in self.variables else value
                group = group[:1].lower() + group[1:] if group[1:2].islower() else group   # mid-sentence
                return f"{self.variable(variable)}, within {group}"
            return f"{self.variable(variable)}, where {self.variable(moderator)} = {value}"
        return self._get(self.variables, name)

    def outcome(self, name: str) -> str:
        return self._get(self.outcomes, name) if name in self.outcomes or name not in self.variables \
            else self.variables[name]

    def kind(self, name: str) -> str:
        return self._get(self.kinds, name)

    def spec(self, name: str) -> str:
        return self._get(self.specs, name)

    def category(self, column: str, value: str) -> str:
        return self._get(self.categories.get(column, {}), value)

    def relabel(self, text: str) -> str:
        """Free text (a model note) with every known variable name replaced by its label."""
        names = sorted((n for n in self.variables if "_" in n), key=len, reverse=True)
        if not names:
            return text
        pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")
        return pattern.sub(lambda m: self.variables[m.group(1)], text)

    def term_labels(self, names: Iterable[str] = ()) -> dict[str, str]:
        """Variables and outcomes in one mapping, the form the table renderer takes."""
        out = {**self.outcomes, **self.variables}
        for name in names:
            out.setdefault(name, self.variable(name))
        return out


DEFAULT = Vocabulary()
