"""`rectui completion bash|zsh|fish`: completion scripts made from the parser itself, so every
command and option is offered and none that does not exist."""

from __future__ import annotations

import argparse


def _commands() -> dict[str, list[str]]:
    """Command name -> its options (the global ones included), in the parser's order."""
    from .parser import build_parser  # the parser imports nothing from here

    parser = build_parser()
    found: dict[str, list[str]] = {}
    for action in parser._actions:  # argparse exposes subcommands no other way
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = [
                    option
                    for sub_action in sub._actions
                    for option in sub_action.option_strings
                    if option.startswith("--")
                ]
    return found


def _bash(commands: dict[str, list[str]]) -> str:
    cases = "\n".join(
        f'        {name}) opts="{" ".join(opts)}" ;;' for name, opts in commands.items()
    )
    return f"""# rectui bash completion: source <(rectui completion bash)
_rectui() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" cmd="" word
    for word in "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"; do
        case " {" ".join(commands)} " in *" $word "*) cmd="$word"; break ;; esac
    done
    local opts=""
    case "$cmd" in
{cases}
        *) COMPREPLY=($(compgen -W "{" ".join(commands)} --help" -- "$cur")); return ;;
    esac
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}}
complete -o default -F _rectui rectui
"""


def _zsh(commands: dict[str, list[str]]) -> str:
    cases = "\n".join(
        f"        {name}) compadd -- {' '.join(opts)} ;;" for name, opts in commands.items()
    )
    return f"""#compdef rectui
# rectui zsh completion: rectui completion zsh > "${{fpath[1]}}/_rectui"
_rectui() {{
    if (( CURRENT == 2 )); then
        compadd -- {" ".join(commands)}
        return
    fi
    case "${{words[2]}}" in
{cases}
    esac
    _files
}}
compdef _rectui rectui
"""


def _fish(commands: dict[str, list[str]]) -> str:
    names = " ".join(commands)
    lines = [
        "# rectui fish completion: rectui completion fish > ~/.config/fish/completions/rectui.fish",
        f"complete -c rectui -n 'not __fish_seen_subcommand_from {names}' -f -a '{names}'",
    ]
    for name, opts in commands.items():
        for option in opts:
            lines.append(
                f"complete -c rectui -n '__fish_seen_subcommand_from {name}' -l {option[2:]}"
            )
    return "\n".join(lines) + "\n"


def completion_script(shell: str) -> str:
    builders = {"bash": _bash, "zsh": _zsh, "fish": _fish}
    return builders[shell](_commands())
