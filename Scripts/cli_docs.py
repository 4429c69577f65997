#!/usr/bin/env python3
"""Turns `heatctl --experimental-dump-help` (swift-argument-parser's ToolInfo JSON) into a man page
and a Markdown command reference.

Usage: cli_docs.py DUMP.json --man OUT.1 --markdown OUT.md [--date YYYY-MM-DD] [--strict]

Every command, nested or not, gets a section with its synopsis (built from the parser's argument
definitions), abstract, options with help text and defaults, and its discussion (which, by the
project's convention, ends with an "Example:" or "Examples:" block). With --strict, a visible
command whose help has no example is an error (exit 1), so a missing example is caught in CI.
Standard library only.
"""
import argparse, json, sys


def visible(items):
    return [item for item in items or [] if item.get("shouldDisplay", True)]


def flag_names(argument):
    names = []
    for name in argument.get("names", []):
        prefix = "--" if name["kind"] == "long" else "-" if name["kind"] in ("short", "longWithSingleDash") else ""
        names.append(prefix + name["name"])
    return names


def synopsis_item(argument):
    value = argument.get("valueName") or "value"
    if argument["kind"] == "positional":
        text = f"<{value}>" if not value.isupper() and "." not in value else value
        text += " ..." if argument.get("isRepeating") else ""
    else:
        preferred = argument.get("preferredName") or (argument.get("names") or [{"kind": "long", "name": value}])[0]
        name = ("--" if preferred["kind"] == "long" else "-") + preferred["name"]
        text = name if argument["kind"] == "flag" else f"{name} <{value}>"
        if argument.get("isRepeating") and argument["kind"] == "option":
            text += " ..."
    return f"[{text}]" if argument.get("isOptional") else text


def walk(command, parents):
    path = parents + [command["commandName"]]
    yield path, command
    for sub in visible(command.get("subcommands")):
        yield from walk(sub, path)


def has_example(command):
    text = command.get("discussion") or ""
    return "Example:" in text or "Examples:" in text


def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    lines = []
    for line in text.split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def arguments_of(command):
    return visible(command.get("arguments"))


def man_page(root, date, version):
    name = root["commandName"]
    out = [f'.TH {name.upper()} 1 "{date}" "{name} {version}" "CustomerHeat Manual"',
           ".SH NAME", f"{name} \\- {roff(root.get('abstract', ''))}"]
    for path, command in walk(root, []):
        title = " ".join(path)
        out.append(".SH SYNOPSIS" if len(path) == 1 else f'.SH "{title.upper()}"')
        usage = " ".join([title] + [synopsis_item(a) for a in arguments_of(command)])
        if visible(command.get("subcommands")):
            usage += " <subcommand>"
        out += [".nf", roff(usage), ".fi"]
        if len(path) > 1 and command.get("abstract"):
            out += [".PP", roff(command["abstract"])]
        if command.get("discussion"):
            text = command["discussion"]
            marker = "Examples:" if "Examples:" in text else "Example:" if "Example:" in text else None
            prose, examples = (text.split(marker, 1) if marker else (text, ""))
            for paragraph in [p.strip() for p in prose.split("\n\n") if p.strip()]:
                out += [".PP", roff(" ".join(paragraph.split("\n")))]
            if marker:
                out += [".PP", f"\\fB{marker}\\fR", ".RS 4", ".nf", roff(examples.strip("\n").replace("\n  ", "\n").strip()), ".fi", ".RE"]
        arguments = arguments_of(command)
        if arguments:
            out.append(".PP\n.B Options:")
        for argument in arguments:
            names = ", ".join(flag_names(argument)) or f"<{argument.get('valueName', 'value')}>"
            if argument["kind"] == "option":
                names += f" <{argument.get('valueName', 'value')}>"
            out += [".TP", f"\\fB{roff(names)}\\fR"]
            help_text = argument.get("abstract", "")
            if argument.get("defaultValue"):
                help_text += f" (default: {argument['defaultValue']})"
            if argument.get("allValues"):
                help_text += f" (values: {', '.join(argument['allValues'])})"
            out.append(roff(help_text))
        subs = visible(command.get("subcommands"))
        if subs:
            out.append(".PP\n.B Subcommands:")
            for sub in subs:
                out += [".TP", f"\\fB{roff(sub['commandName'])}\\fR", roff(sub.get("abstract", ""))]
    out += [".SH EXIT STATUS",
            "0 success; 1 audit verify found a violation; 64 usage; 65 bad input data; 66 missing input; "
            "69 no parameter preset fits; 74 I/O error; 75 database locked (try again); 77 policy refused; "
            "78 bad configuration file.",
            ".SH ENVIRONMENT", ".TP", "\\fBNO_COLOR\\fR",
            "When set to a non\\-empty value, heatctl never writes colour escape codes.",
            ".SH SEE ALSO", "Docs/CLI.md, Docs/Reports.md, DESIGN.md in the CustomerHeat repository."]
    return "\n".join(out) + "\n"


def markdown(root, version):
    name = root["commandName"]
    out = [f"# `{name}` command reference", "",
           f"Generated by `Scripts/generate-cli-artifacts.sh` from `{name} --experimental-dump-help` "
           f"({name} {version}); do not edit by hand. Every command also answers `--help`.", "",
           "## Conventions every command follows", "",
           "- Results go to stdout; with `--json`, stdout carries exactly one JSON document and nothing else.",
           "- Progress bars (with rate and ETA), log lines and errors go to stderr. Progress bars are drawn only "
           "when stderr is a terminal; `--quiet` hides them and the log lines.",
           "- Colour only on a terminal, never when `NO_COLOR` is set (non-empty) or `TERM=dumb`.",
           "- Errors are one sentence naming the file, line, field or parameter at fault, then a `hint:` line.",
           "- Exit codes: 0 success; 1 `audit verify` found a violation; 64 usage; 65 bad input data; 66 missing "
           "input; 69 no parameter preset fits; 74 I/O error; 75 database locked (try again); 77 policy refused; "
           "78 bad configuration file.",
           f"- `{name} --version` prints the version; `{name} help COMMAND` or `COMMAND --help` the help with examples.",
           f"- Shell completions: `Docs/completions/` (`{name} --generate-completion-script bash|zsh|fish`); "
           "man page: `Docs/man/heatctl.1` (`man -l Docs/man/heatctl.1`).", "",
           "## Commands", "",
           "| command | what it does |", "| --- | --- |"]
    commands = list(walk(root, []))
    for path, command in commands:
        anchor = "-".join(path)
        out.append(f"| [`{' '.join(path)}`](#{anchor}) | {command.get('abstract', '')} |")
    for path, command in commands:
        title = " ".join(path)
        out += ["", f'<a id="{"-".join(path)}"></a>', f"## `{title}`", ""]
        if command.get("abstract"):
            out += [command["abstract"], ""]
        usage = " ".join([title] + [synopsis_item(a) for a in arguments_of(command)])
        if visible(command.get("subcommands")):
            usage += " <subcommand>"
        out += ["```", usage, "```", ""]
        arguments = arguments_of(command)
        if arguments:
            out += ["| argument | help |", "| --- | --- |"]
            for argument in arguments:
                names = ", ".join(f"`{n}`" for n in flag_names(argument)) or f"`<{argument.get('valueName', 'value')}>`"
                if argument["kind"] == "option":
                    names += f" `<{argument.get('valueName', 'value')}>`"
                help_text = argument.get("abstract", "").replace("|", "\\|")
                if argument.get("defaultValue"):
                    help_text += f" Default: `{argument['defaultValue']}`."
                if argument.get("allValues"):
                    help_text += " Values: " + ", ".join(f"`{v}`" for v in argument["allValues"]) + "."
                out.append(f"| {names} | {help_text} |")
            out.append("")
        if command.get("discussion"):
            text = command["discussion"]
            marker = "Examples:" if "Examples:" in text else "Example:" if "Example:" in text else None
            if marker:
                before, after = text.split(marker, 1)
                if before.strip():
                    out += [before.strip(), ""]
                lines = [line[2:] if line.startswith("  ") else line for line in after.strip("\n").split("\n")]
                out += [f"**{marker[:-1]}**", "", "```sh", "\n".join(lines).strip(), "```"]
            else:
                out += [text.strip()]
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dump")
    parser.add_argument("--man", required=True)
    parser.add_argument("--markdown", required=True)
    parser.add_argument("--date", default="")
    parser.add_argument("--version", default="")
    parser.add_argument("--strict", action="store_true")
    options = parser.parse_args()
    root = json.load(open(options.dump))["command"]
    # The parser's built-in `help` subcommand has no discussion of ours to carry an example.
    missing = [" ".join(path) for path, command in walk(root, [])
               if not visible(command.get("subcommands")) and not has_example(command)
               and command["commandName"] != "help"]
    for path in missing:
        print(f"warning: `{path} --help` has no Example: block", file=sys.stderr)
    with open(options.man, "w") as file:
        file.write(man_page(root, options.date, options.version))
    with open(options.markdown, "w") as file:
        file.write(markdown(root, options.version))
    if options.strict and missing:
        sys.exit(1)


if __name__ == "__main__":
    main()
