# bash completion for epscope (installed as .../bash-completion/completions/epscope).
# Subcommands, options and the choices of an option ({a,b,c} in its help) are read
# from epscope's own --help, so the completion never drifts from the CLI.

# The words of a help section ("Subcommands:") or of the option names in it.
_epscope_help_subcommands() {
    "$1" --help 2>/dev/null | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'
}

_epscope_help_options() {
    "$@" --help 2>/dev/null | grep -oE '^  +(-[A-Za-z],)?--[a-z][a-z0-9-]*' | tr ',' '\n' | tr -d ' '
}

# The {a,b,c} choices of one option, from its help line.
_epscope_help_choices() {
    local prog=$1 sub=$2 opt=$3
    "$prog" "$sub" --help 2>/dev/null |
        grep -E "(^| |,)${opt}(,| |$)" | grep -oE ':\{[^}]*\}' | head -n 1 | tr -d ':{}' | tr ',' ' '
}

_epscope() {
    local cur prev words cword
    _init_completion || return
    local prog=${words[0]} sub="" i
    for ((i = 1; i < cword; i++)); do
        if [[ ${words[i]} == -- ]]; then
            _command_offset $((i + 1))
            return
        fi
        [[ -z $sub && ${words[i]} != -* ]] && sub=${words[i]}
    done
    if [[ -z $sub ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(_epscope_help_subcommands "$prog")" -- "$cur"))
        fi
        return
    fi
    case $prev in
        -p | --pid)
            COMPREPLY=($(compgen -W "$(command ls /proc | grep -E '^[0-9]+$')" -- "$cur"))
            return ;;
        -o | --output | --serve | --stream-to | --connect | --gui-bin)
            _filedir
            return ;;
        --serve-spool-dir)
            _filedir -d
            return ;;
        -*)
            local choices
            choices=$(_epscope_help_choices "$prog" "$sub" "$prev")
            if [[ -n $choices ]]; then
                COMPREPLY=($(compgen -W "$choices" -- "$cur"))
                return
            fi ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_epscope_help_options "$prog" "$sub")" -- "$cur"))
    else
        _filedir
    fi
}
complete -F _epscope epscope
