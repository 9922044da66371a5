"""`python -m inference <command>`: analyze, bench, train, evaluate, export."""

import argparse
import importlib
import sys

COMMANDS = {
    "analyze": "Find faces in images and print their emotion probabilities.",
    "bench": "Measure per-face and per-frame speed on this machine.",
    "train": "Train the emotion model on FER-2013 (folder, zip or csv).",
    "evaluate": "Score a model on a labelled FER-2013-layout set.",
    "export": "Convert a trained .keras model into the fast serving format.",
}
# Installed by requirements-training.txt only (serving runs the .tflite model on LiteRT).
TRAINING_ONLY = {"tensorflow", "keras", "matplotlib"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inference", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, help_text in COMMANDS.items():
        subparsers.add_parser(name, help=help_text, description=help_text)
    args, rest = parser.parse_known_args(argv)
    module = importlib.import_module(f"inference.cli.{args.command}")
    command_parser = argparse.ArgumentParser(
        prog=f"python -m inference {args.command}", description=COMMANDS[args.command]
    )
    module.configure(command_parser)
    try:
        return int(module.run(command_parser.parse_args(rest)) or 0)
    except ModuleNotFoundError as exc:
        if exc.name not in TRAINING_ONLY:
            raise
        print(
            f"python -m inference {args.command} needs {exc.name}, which serving installs leave out: "
            "pip install --require-hashes -r requirements-training.txt",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
