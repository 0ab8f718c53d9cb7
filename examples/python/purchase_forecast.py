"""The main job, in Python: train on the built-in demo practice, print the training report,
the 7-day forecast with 90% intervals, the monthly actual-vs-predicted comparison and the
top upcoming high-value patients; save the model and, with ``--plot``, a weekly forecast
chart. Same story as ``examples/rust/purchase_forecast.rs``.

    python examples/python/purchase_forecast.py [--seed 2026] [--plot weekly.png] [--save model.json]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

import optocom

START = pd.Timestamp("2026-11-23")  # a Monday
LEVEL = 0.9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=2026, help="demo practice seed")
    ap.add_argument("--n-past", type=int, default=10_000, help="past appointments")
    ap.add_argument("--plot", help="write a weekly forecast chart (PNG) here")
    ap.add_argument("--save", help="write the model artifact (JSON) here")
    args = ap.parse_args()

    past, upcoming = optocom.demo.appointments(n_past=args.n_past, seed=args.seed,
                                               start_date=START)
    print(f"Demo practice: {len(past)} past appointments over the last year, "
          f"{len(upcoming)} upcoming from {START.date()}\n")

    t = time.perf_counter()
    model = optocom.PurchaseForecaster(random_state=0).fit(past)
    print(model.report())
    print(f"(trained in {time.perf_counter() - t:.2f} s)\n")

    week = upcoming[upcoming["appointment_date"] < START + pd.Timedelta(days=7)]
    print(f"7-day forecast ({LEVEL:.0%} prediction intervals, GBP):")
    print(f"  {'date':<12} {'appts':>6} {'expected':>10} {'lower':>10} {'upper':>10}")
    for p in model.forecast(week, freq="D", level=LEVEL).itertuples():
        print(f"  {p.period_start:%a %d %b}   {p.appointments:>6} {p.expected_revenue:>10.0f} "
              f"{p.lower:>10.0f} {p.upper:>10.0f}")
    total = model.forecast_total(week, level=LEVEL)
    print(f"  {'7-day total':<12} {total['appointments']:>6} {total['expected_revenue']:>10.0f} "
          f"{total['lower']:>10.0f} {total['upper']:>10.0f}\n")

    print("Monthly actual vs predicted on past appointments (GBP):")
    print(f"  {'month':<9} {'appts':>6} {'actual':>9} {'predicted':>9} {'error':>8} {'90% interval':>17}")
    compare = model.compare(past, freq="M", level=LEVEL)
    for c in compare.itertuples():
        flag = "" if c.within_interval else " outside"
        print(f"  {c.period_start:%b %Y}  {c.appointments:>6} {c.actual:>9.0f} {c.predicted:>9.0f} "
              f"{c.error:>8.0f} {c.lower:>8.0f}-{c.upper:<8.0f}{flag}")
    print(f"  {int(compare['within_interval'].sum())} of {len(compare)} months inside the interval "
          "(in-sample: the model was trained on these appointments)\n")

    scored = model.predict(upcoming)
    bands = scored["value_band"].value_counts()
    print(f"Upcoming patients by value band: {bands.get('high', 0)} high, "
          f"{bands.get('medium', 0)} medium, {bands.get('low', 0)} low")
    high = (scored[scored["value_band"] == "high"]
            .sort_values(["expected_revenue", "patient_id"], ascending=[False, True]))
    print("Top 10 upcoming high-value patients:")
    print(f"  {'patient':<10} {'date':<11} {'P(buy)':>7} {'spend':>9} {'expected':>9}")
    for s in high.head(10).itertuples():
        print(f"  {s.patient_id:<10} {s.appointment_date:%Y-%m-%d}  {s.probability:>7.2f} "
              f"{s.expected_spend:>9.0f} {s.expected_revenue:>9.0f}")

    weekly = model.forecast(upcoming, freq="W", level=LEVEL)
    if args.save:
        model.save(args.save)
        print(f"\nSaved the model to {args.save}")
    if args.plot:
        plot(weekly, args.plot)
        print(f"Saved the weekly forecast chart to {args.plot}")


def plot(weekly: pd.DataFrame, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.fill_between(weekly["period_start"], weekly["lower"], weekly["upper"], alpha=0.3,
                    label=f"{LEVEL:.0%} interval")
    ax.plot(weekly["period_start"], weekly["expected_revenue"], marker="o", label="expected sales")
    ax.set_ylabel("GBP per week")
    ax.set_title("Weekly sales forecast")
    ax.legend()
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


if __name__ == "__main__":
    main()
