"""``ftpreflight prices``: which price tables are loaded, where from, and how old they are."""

from __future__ import annotations

import argparse
import json
import sys

import pricing
from pricing import format_usd

from linter import ConfigError

from ..config import load_settings
from ..exit_codes import ExitStatus
from ..services import plan as planning
from ..services.plan import PlanError
from . import cost
from ._common import fail


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "prices", help="list the loaded price tables, their source and age",
        description="List the price tables ftpreflight uses (built-in and your own), where they came from "
                    f"and how old they are; warns when a table is older than {pricing.STALE_AFTER_DAYS} days.")
    p.add_argument("--prices", action="append", default=[], metavar="PATH",
                   help="extra price table (TOML/JSON) to load; repeatable")
    p.add_argument("--models", action="store_true", help="also list every model row")
    p.add_argument("--provider", help="only this provider's tables and models")
    p.add_argument("--format", dest="output_format", choices=("text", "json"), default="text")
    p.set_defaults(run=run)


def _cell(value) -> str:
    return "-" if value is None else format_usd(value)


def _model_dict(row: pricing.ModelPrice) -> dict:
    def money(value):
        return None if value is None else format_usd(value)

    return {
        "provider": row.provider,
        "id": row.id,
        "aliases": list(row.aliases),
        "methods": list(row.methods),
        "training_context_tokens": row.training_context_tokens,
        "dpo_training_context_tokens": row.dpo_training_context_tokens,
        "encoding": row.encoding,
        "training_usd_per_1m_tokens": money(row.training_usd_per_1m_tokens),
        "price_unknown": row.price_unknown,
        "dpo_training_usd_per_1m_tokens": money(row.dpo_training_usd_per_1m_tokens),
        "full_training_usd_per_1m_tokens": money(row.full_training_usd_per_1m_tokens),
        "full_dpo_training_usd_per_1m_tokens": money(row.full_dpo_training_usd_per_1m_tokens),
        "size_band": row.size_band,
        "training_usd_per_hour": money(row.training_usd_per_hour),
        "inference_price_unknown": row.inference_price_unknown,
        "input_usd_per_1m": money(row.input_usd_per_1m),
        "cached_input_usd_per_1m": money(row.cached_input_usd_per_1m),
        "output_usd_per_1m": money(row.output_usd_per_1m),
        "batch_input_usd_per_1m": money(row.batch_input_usd_per_1m),
        "batch_output_usd_per_1m": money(row.batch_output_usd_per_1m),
        "hosting_usd_per_hour": money(row.hosting_usd_per_hour),
        "storage_usd_per_month": money(row.storage_usd_per_month),
        "data_formats": list(row.data_formats),
        "fine_tuning_ends": row.fine_tuning_ends.isoformat() if row.fine_tuning_ends else None,
        "shutdown": row.shutdown.isoformat() if row.shutdown else None,
        "status": row.status,
        "source": row.row_source,
        "lifecycle_source": row.lifecycle_row_source,
        "origin": row.origin,
    }


def run(args: argparse.Namespace) -> ExitStatus:
    try:
        settings, _ = load_settings(getattr(args, "config", None))
        book = planning.load_book(settings, args.prices)
    except (ConfigError, PlanError) as exc:
        return fail(str(exc))
    if args.provider and args.provider not in book.providers:
        return fail(f"--provider: no table for {args.provider!r} (loaded: {', '.join(book.providers)})")
    now = cost.today()
    tables = [t for t in book.tables if not args.provider or t.provider == args.provider]
    warnings = []
    table_rows = []
    for table in tables:
        age = pricing.table_age_days(table, now)
        stale = age > pricing.STALE_AFTER_DAYS
        if stale:
            warnings.append(f"the {table.provider} table from {table.origin} is {age} days old "
                            f"(checked {table.as_of.isoformat()}); prices may have changed")
        unverified = sum(1 for row in table.models if row.status != "verified")
        table_rows.append({
            "provider": table.provider, "origin": table.origin, "as_of": table.as_of.isoformat(),
            "age_days": age, "stale": stale, "source": table.source, "models": len(table.models),
            "unverified_models": unverified,
        })
    models = book.models(args.provider)
    if args.output_format == "json":
        data = {"tables": table_rows, "models": [_model_dict(r) for r in models], "warnings": warnings}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        out = [f"{'provider':<14} {'as of':<11} {'age':>6} {'models':>6}  origin / source"]
        for row in table_rows:
            out.append(f"{row['provider']:<14} {row['as_of']:<11} {str(row['age_days']) + 'd':>6} "
                       f"{row['models']:>6}  {row['origin']}")
            out.append(f"{'':<41}{row['source']}")
        if args.models:
            width = max([38, *(len(f"{r.provider}/{r.id}") for r in models)])
            out += ["", f"{'provider/model':<{width}} {'train':>12} {'in/1M':>8} {'out/1M':>8} {'context':>8} "
                        f"{'status':<10} lifecycle"]
            for r in models:
                if r.price_unknown:
                    train = "unknown"
                elif r.training_usd_per_1m_tokens is not None:
                    train = f"${format_usd(r.training_usd_per_1m_tokens)}/1M"
                else:
                    train = f"${format_usd(r.training_usd_per_hour)}/h"
                life = []
                if r.fine_tuning_ends:
                    life.append(f"jobs until {r.fine_tuning_ends.isoformat()}")
                if r.shutdown:
                    life.append(f"shutdown {r.shutdown.isoformat()}")
                out.append(f"{r.provider + '/' + r.id:<{width}} {train:>12} {_cell(r.input_usd_per_1m):>8} "
                           f"{_cell(r.output_usd_per_1m):>8} {r.training_context_tokens:>8} {r.status:<10} "
                           f"{', '.join(life) or '-'}")
        sys.stdout.write("\n".join(out) + "\n")
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return ExitStatus.SUCCESS
