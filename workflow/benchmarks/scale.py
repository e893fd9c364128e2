"""Benchmark: the scale configuration's data and models, ours against the stock libraries.

    .venv/bin/python workflow/benchmarks/scale.py [--rows 1000000] [--entities 1000000 --years 10]
                                                  [--quick] [--skip-stock] [--workdir DIR] [--output CSV]

On seeded simulated data from ``gvc_clusters.analysis.scale`` (the data the scale config feeds the model
rules), one command measures:

    ordered probit   ROWS simulated clusters, the ce_governance regressors, outcome ``product``:
                     stock statsmodels ``OrderedModel(...).fit(method="bfgs")`` (numerical
                     derivatives, statsmodels' default gtol) against the pipeline's path,
                     ``models.specs.run_ordinal_spec`` (coding + ``fit_ordered``: analytic Newton,
                     robust SEs, cutpoints, AMEs; no permutations)
    two-way FE       ENTITIES x YEARS trade rows, log unit value on x1, x2 with entity and year
                     effects, SEs clustered by entity: ``fit_panel(engine="fast")`` on the columns
                     it needs, the rule's path ``run_panel_spec`` (reads the whole cleaned table,
                     engine auto) and stock linearmodels PanelOLS (``fit_panel(engine="linearmodels")``)
    trade cleaning   the raw ENTITIES x YEARS table -> unit values, market shares per product-year:
                     ``clean_trade_table(engine="arrow")`` (streams record batches, reads 5 columns
                     in its first pass) against ``engine="pandas"`` (read everything, groupby
                     transform), throughput in rows/s including reading and writing Parquet
    generation       writing the simulated data themselves

Every step runs in its own child process (a fresh interpreter), so its peak resident memory is its
own: the parent reads it from ``os.wait4``, the rusage of that one child (the method of
panel_scale.py, whose formatting helpers this script imports; ordinal_scale.py and panel_scale.py
remain the benchmarks of the estimators on their own generic data). Seconds are those of the
measured call, excluding interpreter start-up and imports; peak memory covers the whole child,
data reading included. Model figures also give the largest distance from the known coefficients
in standard errors, and the largest difference between ours and stock.

Prints one line per figure and writes results/benchmarks/scale.csv (figure,value,unit,machine).
Timings describe the machine they ran on; they are measured here, never asserted in tests.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))
from panel_scale import write_figures

PANEL_BUDGET_MB = 3 * 1024          # the ceiling for the panel path at 1e7 rows
STOCK_STEPS = ("ordinal_stock", "panel_linearmodels")
STEPS = ("simulate_cross_section", "simulate_trade_panel", "clean_arrow", "clean_pandas", "compare_clean",
         "ordinal_stock", "ordinal_spec", "panel_fast", "panel_spec", "panel_linearmodels")
QUICK = {"rows": 50_000, "entities": 20_000, "years": 10}


# ----------------------------------------------------------------------------------------------
# Workers (each in its own process)
# ----------------------------------------------------------------------------------------------

def _paths(workdir: Path) -> dict:
    return {"cross_section": workdir / "cross_section.parquet", "raw": workdir / "trade_raw.parquet",
            "clean_arrow": workdir / "trade_clean_arrow.parquet",
            "clean_pandas": workdir / "trade_clean_pandas.parquet"}


def _ordinal_design(path):
    import pandas as pd

    from gvc_clusters.analysis.coding import model_variables
    from gvc_clusters.analysis.scale import ORDINAL_REGRESSORS

    variables = model_variables(pd.read_parquet(path))
    return variables["product"], variables[list(ORDINAL_REGRESSORS)]


def _panel_spec(path) -> dict:
    from gvc_clusters.analysis.scale import PANEL_REGRESSORS

    return {"table": str(path), "entity": "entity", "time": "year", "outcome": "log_unit_value",
            "regressors": list(PANEL_REGRESSORS), "entity_effects": True, "time_effects": True,
            "se_type": "cluster_entity"}


def _coefs(result) -> dict:
    est = result.estimates[result.estimates["role"] == "coef"].set_index("term")
    return {"params": est["estimate"].to_dict(), "std_errors": est["std_error"].to_dict()}


def worker(step: str, args, out: Path) -> None:
    import warnings

    from gvc_clusters.analysis import scale

    paths = _paths(Path(args.workdir))
    record: dict = {"step": step}
    if step == "simulate_cross_section":
        start = time.perf_counter()
        scale.write_cluster_cross_section(paths["cross_section"], args.rows, args.seed)
        record.update(seconds=time.perf_counter() - start, rows=args.rows)
    elif step == "simulate_trade_panel":
        start = time.perf_counter()
        facts = scale.write_trade_panel(paths["raw"], args.entities, args.years, args.seed)
        record.update(seconds=time.perf_counter() - start, **facts, mb=paths["raw"].stat().st_size / 2**20)
    elif step in ("clean_arrow", "clean_pandas"):
        engine = step.removeprefix("clean_")
        start = time.perf_counter()
        facts = scale.clean_trade_table(paths["raw"], paths[step], engine)
        record.update(seconds=time.perf_counter() - start, rows=facts["rows"])
    elif step == "compare_clean":
        import numpy as np
        import pyarrow.parquet as pq

        diffs = {}
        for column in ("entity", "unit_value", "log_unit_value", "market_share_pct"):
            a, p = (pq.read_table(paths[f"clean_{e}"], columns=[column]).column(0).to_numpy()
                    for e in ("arrow", "pandas"))
            diffs[column] = float(np.nanmax(np.abs(a - p) / np.maximum(np.abs(p), 1e-300)))
        record["max_rel_diff"] = diffs
    elif step == "ordinal_stock":
        from statsmodels.miscmodels.ordinal_model import OrderedModel

        y, X = _ordinal_design(paths["cross_section"])
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = OrderedModel(y.to_numpy(), X, distr="probit").fit(method="bfgs", disp=0)
        record.update(seconds=time.perf_counter() - start, converged=bool(res.mle_retvals["converged"]),
                      params=res.params.iloc[:X.shape[1]].to_dict(),
                      std_errors=res.bse.iloc[:X.shape[1]].to_dict())
    elif step == "ordinal_spec":
        import pandas as pd

        from gvc_clusters.config_defaults import spec_with_defaults
        from gvc_clusters.models.specs import run_ordinal_spec

        start = time.perf_counter()
        dataset = pd.read_parquet(paths["cross_section"])
        read = time.perf_counter()
        spec = spec_with_defaults("ordinal", {"outcomes": ["product"], "regressors": list(scale.ORDINAL_REGRESSORS),
                                              "links": ["probit"], "se_type": "robust"})
        (fit,) = run_ordinal_spec("ce_governance", spec, dataset, halves="keep", n_permutations=0, seed=args.seed)
        record.update(seconds=time.perf_counter() - read, read_seconds=read - start, converged=fit.converged,
                      iterations=fit.extra.get("iterations"), **_coefs(fit),
                      max_abs_z_error=float(scale.recovery([fit])["z_error"].abs().max()))
    elif step in ("panel_fast", "panel_linearmodels"):
        import pandas as pd

        from gvc_clusters.models.panel.fit import fit_panel

        spec = _panel_spec(paths["clean_arrow"])
        start = time.perf_counter()
        frame = pd.read_parquet(spec["table"], columns=[spec["entity"], spec["time"], spec["outcome"],
                                                        *spec["regressors"]])
        read = time.perf_counter()
        fit = fit_panel(frame, entity=spec["entity"], time=spec["time"], outcome=spec["outcome"],
                        regressors=spec["regressors"], entity_effects=True, time_effects=True,
                        se_type=spec["se_type"], model_id="scale_panel", engine=step.removeprefix("panel_"))
        record.update(seconds=time.perf_counter() - read, read_seconds=read - start, **_coefs(fit),
                      max_abs_z_error=float(scale.recovery([fit])["z_error"].abs().max()),
                      demeaning=fit.extra.get("fast", {}).get("demeaning", ""))
    elif step == "panel_spec":
        from gvc_clusters.config_defaults import spec_with_defaults
        from gvc_clusters.models.specs import run_panel_spec

        start = time.perf_counter()
        (fit,) = run_panel_spec("scale_panel", spec_with_defaults("panel", _panel_spec(paths["clean_arrow"])), {},
                                user_table=paths["clean_arrow"])
        record.update(seconds=time.perf_counter() - start, engine=fit.extra["engine"], **_coefs(fit))
    out.write_text(json.dumps(record))


# ----------------------------------------------------------------------------------------------
# Parent: run the steps, summarise, write the CSV
# ----------------------------------------------------------------------------------------------

def run_child(step: str, args, tmp: Path) -> dict:
    """One step in a fresh interpreter; its own peak RSS from os.wait4 (ru_maxrss: KiB on Linux)."""
    out = tmp / f"{step}.json"
    cmd = [sys.executable, __file__, "--worker", step, "--rows", str(args.rows), "--entities", str(args.entities),
           "--years", str(args.years), "--seed", str(args.seed), "--workdir", str(args.workdir), "--out", str(out)]
    wall = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{step} worker failed with exit code {code}")
    record = json.loads(out.read_text())
    record["peak_rss_mb"] = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    record["wall_seconds"] = time.perf_counter() - wall
    print(f"  {step:24s} done in {record['wall_seconds']:7.1f} s wall, peak {record['peak_rss_mb']:8.0f} MiB",
          file=sys.stderr, flush=True)
    return record


def summarize(runs: dict, args) -> list[tuple]:
    figures = [("cross_section_rows", args.rows, "rows"), ("trade_panel_rows", args.entities * args.years, "rows"),
               ("trade_panel_entities", args.entities, "entities"), ("trade_panel_years", args.years, "periods")]

    def step_figures(step, name=None):
        rec = runs.get(step)
        if rec is None:
            return
        name = name or step
        if "seconds" in rec:
            figures.append((f"{name}_seconds", rec["seconds"], "s"))
        if "read_seconds" in rec:
            figures.append((f"{name}_read_seconds", rec["read_seconds"], "s"))
        figures.append((f"{name}_peak_rss_mb", rec["peak_rss_mb"], "MiB"))

    step_figures("simulate_cross_section")
    step_figures("simulate_trade_panel")
    if "simulate_trade_panel" in runs:
        figures.append(("trade_raw_parquet_mb", runs["simulate_trade_panel"]["mb"], "MiB"))
    for engine in ("arrow", "pandas"):
        step_figures(f"clean_{engine}")
        if f"clean_{engine}" in runs:
            rec = runs[f"clean_{engine}"]
            figures.append((f"clean_{engine}_rows_per_s", rec["rows"] / rec["seconds"], "rows/s"))
    if "clean_arrow" in runs and "clean_pandas" in runs:
        arrow, pandas_ = runs["clean_arrow"], runs["clean_pandas"]
        figures.append(("clean_speedup_pandas_over_arrow", pandas_["seconds"] / arrow["seconds"], "x"))
        figures.append(("clean_memory_pandas_over_arrow", pandas_["peak_rss_mb"] / arrow["peak_rss_mb"], "x"))
    if "compare_clean" in runs:
        figures.append(("clean_max_rel_diff_arrow_pandas", max(runs["compare_clean"]["max_rel_diff"].values()), "abs"))

    step_figures("ordinal_stock")
    step_figures("ordinal_spec")
    if "ordinal_spec" in runs:
        figures.append(("ordinal_spec_newton_iterations", runs["ordinal_spec"]["iterations"], "iterations"))
        figures.append(("ordinal_spec_max_abs_z_from_truth", runs["ordinal_spec"]["max_abs_z_error"], "SE"))
    if "ordinal_stock" in runs and "ordinal_spec" in runs:
        stock, ours = runs["ordinal_stock"], runs["ordinal_spec"]
        figures.append(("ordinal_speedup_stock_over_spec", stock["seconds"] / ours["seconds"], "x"))
        figures.append(("ordinal_max_abs_coef_diff", _max_diff(stock["params"], ours["params"]), "abs"))
        figures.append(("ordinal_stock_converged", int(stock["converged"]), "bool"))

    step_figures("panel_fast")
    step_figures("panel_spec")
    step_figures("panel_linearmodels")
    if "panel_fast" in runs:
        figures.append(("panel_fast_demeaning", runs["panel_fast"]["demeaning"], ""))
        figures.append(("panel_fast_max_abs_z_from_truth", runs["panel_fast"]["max_abs_z_error"], "SE"))
    for step in ("panel_fast", "panel_spec"):
        if step in runs:
            figures.append((f"{step}_within_3gb", int(runs[step]["peak_rss_mb"] < PANEL_BUDGET_MB), "bool"))
    if "panel_spec" in runs:
        figures.append(("panel_spec_engine", runs["panel_spec"]["engine"], ""))
    if "panel_linearmodels" in runs and "panel_fast" in runs:
        lm, fast = runs["panel_linearmodels"], runs["panel_fast"]
        figures.append(("panel_speedup_linearmodels_over_fast", lm["seconds"] / fast["seconds"], "x"))
        figures.append(("panel_memory_linearmodels_over_fast", lm["peak_rss_mb"] / fast["peak_rss_mb"], "x"))
        figures.append(("panel_max_abs_coef_diff", _max_diff(lm["params"], fast["params"]), "abs"))
        figures.append(("panel_max_abs_se_diff", _max_diff(lm["std_errors"], fast["std_errors"]), "abs"))
    return figures


def _max_diff(a: dict, b: dict) -> float:
    return max(abs(a[k] - b[k]) for k in a if k in b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="clusters in the ordered-probit cross-section")
    parser.add_argument("--entities", type=int, default=1_000_000, help="country x product entities of the panel")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20060215)
    parser.add_argument("--quick", action="store_true",
                        help=f"small sizes ({QUICK['rows']} rows, {QUICK['entities']} x {QUICK['years']} panel)")
    parser.add_argument("--skip-stock", action="store_true", help="leave out stock statsmodels and linearmodels")
    parser.add_argument("--steps", default=None, help=f"comma-separated subset of {','.join(STEPS)}")
    parser.add_argument("--workdir", default=None, help="keep the generated Parquet files here (default: a temp dir)")
    parser.add_argument("--output", default=str(ROOT / "results/benchmarks/scale.csv"))
    parser.add_argument("--worker", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args, Path(args.out))
        return
    if args.quick:
        args.rows, args.entities, args.years = QUICK["rows"], QUICK["entities"], QUICK["years"]
    steps = args.steps.split(",") if args.steps else list(STEPS)
    if args.skip_stock:
        steps = [s for s in steps if s not in STOCK_STEPS]
    unknown = set(steps) - set(STEPS)
    if unknown:
        parser.error(f"unknown steps {sorted(unknown)}")

    with tempfile.TemporaryDirectory(prefix="gvc_scale_") as tmp:
        args.workdir = str(Path(args.workdir).resolve()) if args.workdir else tmp
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
        runs = {step: run_child(step, args, Path(tmp)) for step in STEPS if step in steps}
    figures = summarize(runs, args)
    write_figures(figures, Path(args.output), width=40)


if __name__ == "__main__":
    main()
