#!/usr/bin/env python3
"""Generate docs/compatibility.md: what of PyTorch Ember does today.

Two sources:

(a) the conformance suite (plain PyTorch programs with PyTorch's recorded
    results, one file per case, named after the guide's sections): passed
    and failed cases per section;
(b) PyTorch's public API names (torch, torch.nn, torch.nn.functional,
    torch.optim, torch.utils.data and the methods of torch.Tensor), stored
    in tools/pytorch_api_2.13.json so that no PyTorch is needed here, and
    which of them Ember's namespaces define.

Usage (from anywhere; paths are relative to the repository):

    python tools/compat_table.py                  run the suite, write docs/compatibility.md
    python tools/compat_table.py --results FILE   use the suite's --json FILE instead of running it
    python tools/compat_table.py --check          regenerate into memory and compare with the
                                                  committed file (exit 1 with a diff if stale); the
                                                  API part is rescanned, the per-case results are
                                                  those recorded in the file (add --results FILE,
                                                  or --run-suite, to re-check those too)
    python tools/compat_table.py --refresh-api    rewrite tools/pytorch_api_2.13.json from the
                                                  installed PyTorch (needs torch 2.13)

The output has no timestamps or timings and lists everything in a fixed
order, so regenerating from the same results gives the same file.
"""
import argparse
import difflib
import inspect
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "compatibility.md")
API_FILE = os.path.join(ROOT, "tools", "pytorch_api_2.13.json")
SUITE = os.path.normpath(os.path.join(ROOT, "..", "shared", "conformance"))
API_VERSION = "2.13"

# The conformance suite's sections, in the guide's order, with the guide's chapter names.
SECTIONS = [
    ("tensors", "Tensors"),
    ("ops", "Tensor Operations"),
    ("autograd", "Autograd"),
    ("nn", "Neural Networks"),
    ("rnn", "RNN and LSTM"),
    ("transformer", "Transformers"),
    ("train", "Training"),
    ("data", "DataLoader, Data Augmentation"),
    ("loss", "Loss Functions"),
    ("optim", "Optimizers"),
    ("sched", "Optimizers: learning-rate schedulers"),
    ("gpu", "GPU"),
    ("models", "Transfer Learning (pretrained models)"),
    ("vision", "TorchVision"),
    ("text", "TorchText"),
    ("audio", "TorchAudio"),
    ("dist", "Distributed Training"),
    ("quant", "Quantization"),
    ("onnx", "ONNX Export"),
    ("jit", "JIT and TorchScript"),
    ("serialize", "Save and Load"),
    ("tips", "Tips and Best Practices"),
    ("advanced", "Advanced Techniques"),
    ("rng", "Random numbers (PyTorch's exact streams)"),
]

# PyTorch namespace -> the Ember object that stands for it.
NAMESPACES = [
    ("torch", "ember"),
    ("torch.nn", "ember.nn"),
    ("torch.nn.functional", "ember.nn.functional"),
    ("torch.optim", "ember.optim"),
    ("torch.utils.data", "ember.utils.data"),
    ("torch.Tensor", "ember.Tensor"),
]

REGENERATE = """\
    PYTHONPATH=$PWD python ../shared/conformance/run.py check --candidate "python -m ember run" --json conformance.json
    python tools/compat_table.py --results conformance.json"""


# --- (b) PyTorch's public names -------------------------------------------------------

_SKIP_MODULES = ("typing", "collections", "builtins", "torch._jit_internal", "torch.overrides",
                 "torch._utils", "torch._utils_internal")
_SKIP_NAMES = {"handle_torch_function"}


def public_names(obj):
    """The public API names of a module or class, by these rules: not
    `_`-prefixed; not a submodule (each namespace is listed on its own); not
    a plain constant used for configuration or documentation (bool, str,
    dict, tuple values); not a helper imported from typing or PyTorch's
    internals (typing aliases, __torch_function__ plumbing); not one of the
    TorchScript compiler's C++ binding types (pybind11 classes such as
    torch.Graph or torch.FileCheck) or their values."""
    names = []
    for name in dir(obj):
        if name.startswith("_") or name in _SKIP_NAMES or name.startswith("has_torch_function"):
            continue
        try:
            value = inspect.getattr_static(obj, name) if inspect.isclass(obj) else getattr(obj, name)
        except AttributeError:
            continue
        if isinstance(value, types.ModuleType):
            continue
        if "pybind11" in type(value).__name__ or "pybind11" in type(type(value)).__name__:
            continue
        if not inspect.isclass(obj):
            if isinstance(value, (bool, str, dict, tuple)):
                continue
            module = getattr(value, "__module__", None)
            if isinstance(module, str) and module.startswith(_SKIP_MODULES):
                continue
        names.append(name)
    return sorted(set(names))


def refresh_api():
    """Write tools/pytorch_api_2.13.json from the installed PyTorch."""
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != ROOT]
    import torch
    import torch.nn.functional  # noqa: F401
    import torch.optim  # noqa: F401
    import torch.utils.data  # noqa: F401
    if not torch.__version__.startswith(API_VERSION + "."):
        sys.exit(f"compat_table: --refresh-api needs PyTorch {API_VERSION}.x, found {torch.__version__}")
    objects = {"torch": torch, "torch.nn": torch.nn, "torch.nn.functional": torch.nn.functional,
               "torch.optim": torch.optim, "torch.utils.data": torch.utils.data, "torch.Tensor": torch.Tensor}
    data = {
        "pytorch": torch.__version__,
        "produced_by": "python tools/compat_table.py --refresh-api",
        "rules": inspect.getdoc(public_names).split("\n", 1)[1].strip().replace("\n", " "),
        "namespaces": {ns: public_names(objects[ns]) for ns, _ in NAMESPACES},
    }
    with open(API_FILE, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    counts = ", ".join(f"{ns} {len(v)}" for ns, v in data["namespaces"].items())
    print(f"wrote {os.path.relpath(API_FILE, ROOT)} from torch {torch.__version__}: {counts}")


def ember_objects():
    """This checkout's Ember (not an installed one), namespace by namespace."""
    sys.path.insert(0, ROOT)
    import importlib
    out = {}
    for ns, target in NAMESPACES:
        module, _, attr = target.rpartition(".") if target.endswith("Tensor") else (target, "", "")
        obj = importlib.import_module(module)
        out[ns] = getattr(obj, attr) if attr else obj
    return out


def api_coverage(api):
    objects = ember_objects()
    rows = []
    for ns, _ in NAMESPACES:
        names = api["namespaces"][ns]
        obj = objects[ns]
        have = [n for n in names if _defines(obj, n)]
        rows.append((ns, names, set(have)))
    return rows


def _defines(obj, name):
    try:
        getattr(obj, name)
    except Exception:
        return False
    return True


# --- (a) conformance results -----------------------------------------------------------

def run_suite(suite):
    """Run the suite on this checkout; return (per-case results, its last line)."""
    runner = os.path.join(suite, "run.py")
    if not os.path.exists(runner):
        sys.exit(f"compat_table: no conformance suite at {suite} (use --suite DIR or --results FILE)")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "results.json")
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        candidate = f"{shlex.quote(sys.executable)} -m ember run"
        proc = subprocess.run([sys.executable, runner, "check", "--candidate", candidate, "--json", out],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        lines = proc.stdout.strip().splitlines()
        if not os.path.exists(out) or not lines:
            sys.exit(f"compat_table: the conformance suite did not run:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        with open(out) as f:
            results = {name: bool(r["passed"]) for name, r in json.load(f).items()}
    return results, lines[-1]


def load_results(path):
    with open(path) as f:
        data = json.load(f)
    return {name: bool(r["passed"]) for name, r in data.items()}


_CASE_LINE = re.compile(r"^- (pass|FAIL) `([A-Za-z0-9_]+)`$")


def results_from_doc(text):
    """The per-case results recorded in a generated file."""
    return {m.group(2): m.group(1) == "pass" for m in map(_CASE_LINE.match, text.splitlines()) if m}


def summary_line(results):
    passed = sum(results.values())
    return f"{passed} passed, {len(results) - passed} failed"


# --- the document -----------------------------------------------------------------------

def _bar(done, total, width=10):
    if not total:
        return ""
    full = round(width * done / total)
    return "█" * full + "░" * (width - full)


def _pct(done, total):
    return f"{100 * done / total:.0f}%" if total else "-"


def render(results, api_rows):
    known = [s for s, _ in SECTIONS]
    by_section = {s: [] for s in known}
    for name in sorted(results):
        section = name.split("__", 1)[0]
        by_section.setdefault(section, []).append(name)
    order = known + sorted(s for s in by_section if s not in known)
    titles = dict(SECTIONS)

    out = []
    w = out.append
    w("# Compatibility with PyTorch")
    w("")
    w("<!-- Generated by tools/compat_table.py: do not edit by hand. -->")
    w("")
    w("What of PyTorch runs on Ember today, measured two ways: the conformance")
    w("suite (PyTorch programs whose results must match the ones PyTorch")
    w("recorded), by section of the guide, and which of PyTorch's public names")
    w(f"Ember defines (PyTorch {API_VERSION}'s names, stored in `tools/pytorch_api_{API_VERSION}.json`).")
    w("")
    w("Regenerate from the repository root, with the conformance suite beside the")
    w("checkout (`../shared/conformance`):")
    w("")
    w(REGENERATE)
    w("")
    w("(or `python tools/compat_table.py`, which runs the suite itself).")
    w("`python tools/compat_table.py --check` tells whether this file is current.")
    w("")
    w("## Conformance suite, by guide section")
    w("")
    passed_total = sum(results.values())
    w(f"**{summary_line(results)}** ({len(results)} cases), as the suite's runner reports it")
    w("in its last line.")
    w("")
    w("| section | guide chapter | passed | failed | cases | |")
    w("|---|---|---:|---:|---:|---|")
    for section in order:
        names = by_section.get(section, [])
        ok = sum(results[n] for n in names)
        title = titles.get(section, "(not in the guide)")
        share = f"{_bar(ok, len(names))} {_pct(ok, len(names))}" if names else "no cases"
        w(f"| {section} | {title} | {ok} | {len(names) - ok} | {len(names)} | {share} |")
    w(f"| **total** | | **{passed_total}** | **{len(results) - passed_total}** | **{len(results)}** "
      f"| {_bar(passed_total, len(results))} {_pct(passed_total, len(results))} |")
    w("")
    w("Cases, by section (`python ../shared/conformance/run.py check --candidate \"python -m ember run\"")
    w("-k NAME --verbose` shows why one fails):")
    w("")
    for section in order:
        names = by_section.get(section, [])
        if not names:
            continue
        ok = sum(results[n] for n in names)
        w(f"<details><summary>{section}: {ok}/{len(names)} pass</summary>")
        w("")
        for n in names:
            w(f"- {'pass' if results[n] else 'FAIL'} `{n}`")
        w("")
        w("</details>")
        w("")
    w("## PyTorch's public names that Ember defines")
    w("")
    w(f"A name counts when Ember's namespace has an attribute of that name; whether it")
    w("behaves like PyTorch's is what the conformance suite measures. The names are")
    w(f"PyTorch {API_VERSION}'s public ones (rules in `tools/pytorch_api_{API_VERSION}.json`; regenerate")
    w("that list with `python tools/compat_table.py --refresh-api` where PyTorch is installed).")
    w("")
    w("| namespace | PyTorch names | Ember defines | missing | |")
    w("|---|---:|---:|---:|---|")
    all_names = all_have = 0
    for ns, names, have in api_rows:
        all_names += len(names)
        all_have += len(have)
        w(f"| `{ns}` | {len(names)} | {len(have)} | {len(names) - len(have)} "
          f"| {_bar(len(have), len(names))} {_pct(len(have), len(names))} |")
    w(f"| **total** | **{all_names}** | **{all_have}** | **{all_names - all_have}** "
      f"| {_bar(all_have, all_names)} {_pct(all_have, all_names)} |")
    w("")
    for ns, names, have in api_rows:
        missing = [n for n in names if n not in have]
        if not missing:
            continue
        w(f"<details><summary><code>{ns}</code>: {len(missing)} names missing</summary>")
        w("")
        w(", ".join(f"`{n}`" for n in missing))
        w("")
        w("</details>")
        w("")
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="tools/compat_table.py", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", metavar="FILE", help="per-case results written by the suite's --json")
    ap.add_argument("--suite", default=SUITE, metavar="DIR", help="the conformance suite (default: %(default)s)")
    ap.add_argument("--run-suite", action="store_true", help="with --check: run the suite for fresh results")
    ap.add_argument("--check", action="store_true", help="compare with the committed file instead of writing it")
    ap.add_argument("--output", default=DOC, metavar="FILE", help="(default: docs/compatibility.md)")
    ap.add_argument("--refresh-api", action="store_true", help=f"rewrite tools/pytorch_api_{API_VERSION}.json "
                                                               "from the installed PyTorch")
    args = ap.parse_args(argv)

    if args.refresh_api:
        refresh_api()
        return 0
    with open(API_FILE) as f:
        api = json.load(f)

    suite_line = None
    if args.results:
        results = load_results(args.results)
    elif args.check and not args.run_suite:
        if not os.path.exists(args.output):
            print(f"compat_table: {args.output} does not exist", file=sys.stderr)
            return 1
        with open(args.output, encoding="utf-8") as f:
            results = results_from_doc(f.read())
    else:
        results, suite_line = run_suite(args.suite)
    if not results:
        print("compat_table: no conformance results", file=sys.stderr)
        return 1
    if suite_line is not None and suite_line != summary_line(results):
        print(f"compat_table: the suite printed {suite_line!r} but its JSON gives {summary_line(results)!r}",
              file=sys.stderr)
        return 1

    text = render(results, api_coverage(api))
    if args.check:
        try:
            with open(args.output, encoding="utf-8") as f:
                committed = f.read()
        except FileNotFoundError:
            committed = ""
        if committed == text:
            print(f"{os.path.relpath(args.output)} is up to date ({summary_line(results)})")
            return 0
        diff = difflib.unified_diff(committed.splitlines(True), text.splitlines(True),
                                    "committed", "regenerated", n=1)
        sys.stdout.writelines(list(diff)[:80])
        print(f"\ncompat_table: {os.path.relpath(args.output)} is stale; regenerate it with:\n{REGENERATE}",
              file=sys.stderr)
        return 1
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(args.output)}: conformance {summary_line(results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
