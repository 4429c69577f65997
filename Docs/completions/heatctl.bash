#!/bin/bash

__heatctl_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__heatctl_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__heatctl_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__heatctl_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_heatctl() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    demo|generate|heat|report|init|keys|ingest|evaluate|release|clients|policy|audit|ml|fhe|bench|clv|scenario|risk|fraud|ask|summarize|features|labels|scores|trees|serve|token|retention|store|erase|directory|help)
        # Offer subcommand argument completions
        "_heatctl_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'demo generate heat report init keys ingest evaluate release clients policy audit ml fhe bench clv scenario risk fraud ask summarize features labels scores trees serve token retention store erase directory help' -- "${cur}"))
        ;;
    esac
}

_heatctl_demo() {
    repeating_flags=()
    non_repeating_flags=(--plaintext --json --score --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--clients --weeks --seed --out --role --policy --manager --epsilon --model-kind --tree-rounds --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--clients')
        return
        ;;
    '--weeks')
        return
        ;;
    '--seed')
        return
        ;;
    '--out')
        __heatctl_add_completions -d
        return
        ;;
    '--role')
        return
        ;;
    '--policy')
        __heatctl_add_completions -f
        return
        ;;
    '--manager')
        return
        ;;
    '--epsilon')
        return
        ;;
    '--model-kind')
        return
        ;;
    '--tree-rounds')
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_generate() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--clients --managers --branches --weeks --seed --end-week --out --clients-out --labels-out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--clients')
        return
        ;;
    '--managers')
        return
        ;;
    '--branches')
        return
        ;;
    '--weeks')
        return
        ;;
    '--seed')
        return
        ;;
    '--end-week')
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--clients-out')
        __heatctl_add_completions -f
        return
        ;;
    '--labels-out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_heat() {
    repeating_flags=()
    non_repeating_flags=(--strict --json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--clients --config --as-of --out --log-level)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--clients')
        __heatctl_add_completions -f
        return
        ;;
    '--config')
        __heatctl_add_completions -f
        return
        ;;
    '--as-of')
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __heatctl_add_completions -f
        return
        ;;
    esac
}

_heatctl_report() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=(--format)
    non_repeating_options=(--out --role --policy --log-level)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--out')
        __heatctl_add_completions -d
        return
        ;;
    '--format')
        __heatctl_add_completions -W 'html'$'\n''json'$'\n''csv'
        return
        ;;
    '--role')
        return
        ;;
    '--policy')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __heatctl_add_completions -f
        return
        ;;
    esac
}

_heatctl_init() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_keys() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    generate|escrow|rotate|revoke)
        # Offer subcommand argument completions
        "_heatctl_keys_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'generate escrow rotate revoke' -- "${cur}"))
        ;;
    esac
}

_heatctl_keys_generate() {
    repeating_flags=()
    non_repeating_flags=(--aggregates --json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--out --store --preset --max-clients --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--out')
        __heatctl_add_completions -d
        return
        ;;
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--preset')
        return
        ;;
    '--max-clients')
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_keys_escrow() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    custodian|split|recover)
        # Offer subcommand argument completions
        "_heatctl_keys_escrow_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'custodian split recover' -- "${cur}"))
        ;;
    esac
}

_heatctl_keys_escrow_custodian() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--name --out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--name')
        return
        ;;
    '--out')
        __heatctl_add_completions -d
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_keys_escrow_split() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=(--custodian)
    non_repeating_options=(--key --threshold --shares --out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--key')
        __heatctl_add_completions -f
        return
        ;;
    '--threshold')
        return
        ;;
    '--shares')
        return
        ;;
    '--custodian')
        __heatctl_add_completions -f
        return
        ;;
    '--out')
        __heatctl_add_completions -d
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_keys_escrow_recover() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=(--custodian-key)
    non_repeating_options=(--out --log-level)
    __heatctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--custodian-key')
        __heatctl_add_completions -f
        return
        ;;
    '--out')
        __heatctl_add_completions -d
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    *)
        __heatctl_add_completions -f
        return
        ;;
    esac
}

_heatctl_keys_rotate() {
    repeating_flags=()
    non_repeating_flags=(--collector --fhe --aggregates --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--evaluator-keys --retire --store --keys --out --previous-head --head-out --reason --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--evaluator-keys')
        __heatctl_add_completions -d
        return
        ;;
    '--retire')
        return
        ;;
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--out')
        __heatctl_add_completions -d
        return
        ;;
    '--previous-head')
        __heatctl_add_completions -f
        return
        ;;
    '--head-out')
        __heatctl_add_completions -f
        return
        ;;
    '--reason')
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_keys_revoke() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--collector --store --keys --previous-head --head-out --reason --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--collector')
        return
        ;;
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--previous-head')
        __heatctl_add_completions -f
        return
        ;;
    '--head-out')
        __heatctl_add_completions -f
        return
        ;;
    '--reason')
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_ingest() {
    repeating_flags=()
    non_repeating_flags=(--strict --plaintext --features --json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --keys --clients --config --log-level)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--clients')
        __heatctl_add_completions -f
        return
        ;;
    '--config')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __heatctl_add_completions -f
        return
        ;;
    esac
}

_heatctl_evaluate() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=(--merge)
    non_repeating_options=(--store --keys --trust --expect-head --shard --aggregates-out --min-group-size --as-of --config --model --tree-inputs --scores-out --out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--trust')
        __heatctl_add_completions -d
        return
        ;;
    '--expect-head')
        __heatctl_add_completions -f
        return
        ;;
    '--shard')
        return
        ;;
    '--merge')
        __heatctl_add_completions -f
        return
        ;;
    '--aggregates-out')
        __heatctl_add_completions -f
        return
        ;;
    '--min-group-size')
        return
        ;;
    '--as-of')
        return
        ;;
    '--config')
        __heatctl_add_completions -f
        return
        ;;
    '--model')
        __heatctl_add_completions -f
        return
        ;;
    '--tree-inputs')
        __heatctl_add_completions -f
        return
        ;;
    '--scores-out')
        __heatctl_add_completions -f
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_release() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=(--section)
    non_repeating_options=(--store --keys --run --aggregates --role --policy --manager --clients-of --epsilon --config --as-of --out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--run')
        __heatctl_add_completions -f
        return
        ;;
    '--aggregates')
        __heatctl_add_completions -f
        return
        ;;
    '--role')
        return
        ;;
    '--policy')
        __heatctl_add_completions -f
        return
        ;;
    '--manager')
        return
        ;;
    '--clients-of')
        return
        ;;
    '--epsilon')
        return
        ;;
    '--section')
        __heatctl_add_completions -W 'population'$'\n''histogram'$'\n''weekly'$'\n''groups'$'\n''clients'$'\n''model'
        return
        ;;
    '--config')
        __heatctl_add_completions -f
        return
        ;;
    '--as-of')
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_clients() {
    repeating_flags=()
    non_repeating_flags=(--reveal --json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --branch --manager --segment --level --search --config --as-of --role --policy --keys --run --clients --log-level)
    __heatctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--branch')
        return
        ;;
    '--manager')
        return
        ;;
    '--segment')
        return
        ;;
    '--level')
        __heatctl_add_completions -W 'cold'$'\n''cool'$'\n''warm'$'\n''hot'
        return
        ;;
    '--search')
        return
        ;;
    '--config')
        __heatctl_add_completions -f
        return
        ;;
    '--as-of')
        return
        ;;
    '--role')
        return
        ;;
    '--policy')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--run')
        __heatctl_add_completions -f
        return
        ;;
    '--clients')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_policy() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    check)
        # Offer subcommand argument completions
        "_heatctl_policy_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'check' -- "${cur}"))
        ;;
    esac
}

_heatctl_policy_check() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--policy --role --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--policy')
        __heatctl_add_completions -f
        return
        ;;
    '--role')
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_audit() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    sign|verify|log)
        # Offer subcommand argument completions
        "_heatctl_audit_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'sign verify log' -- "${cur}"))
        ;;
    esac
}

_heatctl_audit_sign() {
    repeating_flags=()
    non_repeating_flags=(--first-head --json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --keys --previous-head --head-out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--previous-head')
        __heatctl_add_completions -f
        return
        ;;
    '--head-out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_audit_verify() {
    repeating_flags=()
    non_repeating_flags=(--first-head --allow-unsigned-tail --json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --keys --expect-head --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--expect-head')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_audit_log() {
    repeating_flags=()
    non_repeating_flags=(--include-subkinds --json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --kind --since --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--kind')
        return
        ;;
    '--since')
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_ml() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    train|evaluate|predict|cluster|anomalies|import-xgboost|export-xgboost|quantize|personas)
        # Offer subcommand argument completions
        "_heatctl_ml_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'train evaluate predict cluster anomalies import-xgboost export-xgboost quantize personas' -- "${cur}"))
        ;;
    esac
}

_heatctl_ml_train() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --balanced --json --version -h --help)
    repeating_options=(--ignore --type --missing)
    non_repeating_options=(--log-level --data --target --positive --model --folds --folds-column --cv --seed --out --metrics-out --threshold --c --max-categories --category-limit --scale-pos-weight --base-score --early-stopping-rounds --validation-fraction --validation-data --rounds --max-depth --learning-rate --lambda --gamma --min-child-weight --subsample --colsample --tree-method --max-bins)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--data')
        __heatctl_add_completions -f
        return
        ;;
    '--target')
        return
        ;;
    '--positive')
        return
        ;;
    '--model')
        __heatctl_add_completions -W 'logistic'$'\n''gbdt'
        return
        ;;
    '--folds')
        __heatctl_add_completions -f
        return
        ;;
    '--folds-column')
        return
        ;;
    '--cv')
        return
        ;;
    '--seed')
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--metrics-out')
        __heatctl_add_completions -f
        return
        ;;
    '--ignore')
        return
        ;;
    '--type')
        return
        ;;
    '--threshold')
        return
        ;;
    '--c')
        return
        ;;
    '--max-categories')
        return
        ;;
    '--category-limit')
        return
        ;;
    '--missing')
        return
        ;;
    '--scale-pos-weight')
        return
        ;;
    '--base-score')
        return
        ;;
    '--early-stopping-rounds')
        return
        ;;
    '--validation-fraction')
        return
        ;;
    '--validation-data')
        __heatctl_add_completions -f
        return
        ;;
    '--rounds')
        return
        ;;
    '--max-depth')
        return
        ;;
    '--learning-rate')
        return
        ;;
    '--lambda')
        return
        ;;
    '--gamma')
        return
        ;;
    '--min-child-weight')
        return
        ;;
    '--subsample')
        return
        ;;
    '--colsample')
        return
        ;;
    '--tree-method')
        __heatctl_add_completions -W 'hist'$'\n''exact'
        return
        ;;
    '--max-bins')
        return
        ;;
    esac
}

_heatctl_ml_evaluate() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --model --data --target --positive --threshold)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--model')
        __heatctl_add_completions -f
        return
        ;;
    '--data')
        __heatctl_add_completions -f
        return
        ;;
    '--target')
        return
        ;;
    '--positive')
        return
        ;;
    '--threshold')
        return
        ;;
    esac
}

_heatctl_ml_predict() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --model --data --out --explain)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--model')
        __heatctl_add_completions -f
        return
        ;;
    '--data')
        __heatctl_add_completions -f
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--explain')
        return
        ;;
    esac
}

_heatctl_ml_cluster() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --no-silhouette --json --version -h --help)
    repeating_options=(--ignore)
    non_repeating_options=(--log-level --data --k --seed --out --n-init)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--data')
        __heatctl_add_completions -f
        return
        ;;
    '--k')
        return
        ;;
    '--seed')
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--ignore')
        return
        ;;
    '--n-init')
        return
        ;;
    esac
}

_heatctl_ml_anomalies() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=(--ignore)
    non_repeating_options=(--log-level --data --contamination --seed --out --trees)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--data')
        __heatctl_add_completions -f
        return
        ;;
    '--contamination')
        return
        ;;
    '--seed')
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--ignore')
        return
        ;;
    '--trees')
        return
        ;;
    esac
}

_heatctl_ml_import-xgboost() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --out --features --target --positive)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--out')
        return
        ;;
    '--features')
        return
        ;;
    '--target')
        return
        ;;
    '--positive')
        return
        ;;
    esac
}

_heatctl_ml_export-xgboost() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --out)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--out')
        return
        ;;
    esac
}

_heatctl_ml_quantize() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --bits --out --data --value-bits)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--bits')
        return
        ;;
    '--out')
        return
        ;;
    '--data')
        return
        ;;
    '--value-bits')
        return
        ;;
    esac
}

_heatctl_ml_personas() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --data --rules --out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--data')
        return
        ;;
    '--rules')
        return
        ;;
    '--out')
        return
        ;;
    esac
}

_heatctl_fhe() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    params|keygen|encrypt|decrypt|inspect|export-json|eval|pbs-bench)
        # Offer subcommand argument completions
        "_heatctl_fhe_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'params keygen encrypt decrypt inspect export-json eval pbs-bench' -- "${cur}"))
        ;;
    esac
}

_heatctl_fhe_params() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_fhe_keygen() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --no-evaluation-keys --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --preset --out --galois-steps)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--preset')
        return
        ;;
    '--out')
        __heatctl_add_completions -d
        return
        ;;
    '--galois-steps')
        return
        ;;
    esac
}

_heatctl_fhe_encrypt() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --public-key --encoding --input --column --out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--public-key')
        __heatctl_add_completions -f
        return
        ;;
    '--encoding')
        __heatctl_add_completions -W 'coefficient'$'\n''batch'
        return
        ;;
    '--input')
        __heatctl_add_completions -f
        return
        ;;
    '--column')
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    esac
}

_heatctl_fhe_decrypt() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --noise-budget --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --secret-key --input --encoding)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--secret-key')
        __heatctl_add_completions -f
        return
        ;;
    '--input')
        __heatctl_add_completions -f
        return
        ;;
    '--encoding')
        __heatctl_add_completions -W 'coefficient'$'\n''batch'
        return
        ;;
    esac
}

_heatctl_fhe_inspect() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --secret-key)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--secret-key')
        __heatctl_add_completions -f
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __heatctl_add_completions -f
        return
        ;;
    esac
}

_heatctl_fhe_export-json() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --include-secret --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __heatctl_add_completions -f
        return
        ;;
    esac
}

_heatctl_fhe_eval() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --no-relinearize --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --keys --steps --out)
    __heatctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--steps')
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    esac
}

_heatctl_fhe_pbs-bench() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --preset --bootstraps)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--preset')
        return
        ;;
    '--bootstraps')
        return
        ;;
    esac
}

_heatctl_bench() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    fhe|ml|pipeline)
        # Offer subcommand argument completions
        "_heatctl_bench_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'fhe ml pipeline' -- "${cur}"))
        ;;
    esac
}

_heatctl_bench_fhe() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --json --timing --pbs --version -h --help)
    repeating_options=(--preset)
    non_repeating_options=(--log-level --min-seconds --min-iterations --samples)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--preset')
        return
        ;;
    '--min-seconds')
        return
        ;;
    '--min-iterations')
        return
        ;;
    '--samples')
        return
        ;;
    esac
}

_heatctl_bench_ml() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --json --version -h --help)
    repeating_options=(--model)
    non_repeating_options=(--log-level --data --target --positive --rounds --max-depth --max-bins)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--data')
        __heatctl_add_completions -f
        return
        ;;
    '--target')
        return
        ;;
    '--positive')
        return
        ;;
    '--model')
        __heatctl_add_completions -W 'logistic'$'\n''gbdt'
        return
        ;;
    '--rounds')
        return
        ;;
    '--max-depth')
        return
        ;;
    '--max-bins')
        return
        ;;
    esac
}

_heatctl_bench_pipeline() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --phase-peaks --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --clients --weeks --managers --seed --work-dir --model)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--clients')
        return
        ;;
    '--weeks')
        return
        ;;
    '--managers')
        return
        ;;
    '--seed')
        return
        ;;
    '--work-dir')
        return
        ;;
    '--model')
        __heatctl_add_completions -f
        return
        ;;
    esac
}

_heatctl_clv() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    fit|predict|evaluate)
        # Offer subcommand argument completions
        "_heatctl_clv_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'fit predict evaluate' -- "${cur}"))
        ;;
    esac
}

_heatctl_clv_fit() {
    repeating_flags=()
    non_repeating_flags=(--strict --json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--transactions --customer-column --date-column --amount-column --calibration-end --holdout-end --horizon --out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--transactions')
        __heatctl_add_completions -f
        return
        ;;
    '--customer-column')
        return
        ;;
    '--date-column')
        return
        ;;
    '--amount-column')
        return
        ;;
    '--calibration-end')
        return
        ;;
    '--holdout-end')
        return
        ;;
    '--horizon')
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_clv_predict() {
    repeating_flags=()
    non_repeating_flags=(--strict --json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--transactions --customer-column --date-column --amount-column --calibration-end --holdout-end --interactions --as-of --horizon --months --discount-rate --model --out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--transactions')
        __heatctl_add_completions -f
        return
        ;;
    '--customer-column')
        return
        ;;
    '--date-column')
        return
        ;;
    '--amount-column')
        return
        ;;
    '--calibration-end')
        return
        ;;
    '--holdout-end')
        return
        ;;
    '--interactions')
        __heatctl_add_completions -f
        return
        ;;
    '--as-of')
        return
        ;;
    '--horizon')
        return
        ;;
    '--months')
        return
        ;;
    '--discount-rate')
        return
        ;;
    '--model')
        __heatctl_add_completions -f
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_clv_evaluate() {
    repeating_flags=()
    non_repeating_flags=(--strict --json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--transactions --customer-column --date-column --amount-column --calibration-end --holdout-end --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--transactions')
        __heatctl_add_completions -f
        return
        ;;
    '--customer-column')
        return
        ;;
    '--date-column')
        return
        ;;
    '--amount-column')
        return
        ;;
    '--calibration-end')
        return
        ;;
    '--holdout-end')
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_scenario() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    list|run)
        # Offer subcommand argument completions
        "_heatctl_scenario_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'list run' -- "${cur}"))
        ;;
    esac
}

_heatctl_scenario_list() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_scenario_run() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--file --store --keys --data --clients --seed --horizon --as-of --config --out --log-level)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--file')
        __heatctl_add_completions -f
        return
        ;;
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--data')
        __heatctl_add_completions -f
        return
        ;;
    '--clients')
        __heatctl_add_completions -f
        return
        ;;
    '--seed')
        return
        ;;
    '--horizon')
        return
        ;;
    '--as-of')
        return
        ;;
    '--config')
        __heatctl_add_completions -f
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_risk() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    fit|score|recommend|portfolio|explain)
        # Offer subcommand argument completions
        "_heatctl_risk_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'fit score recommend portfolio explain' -- "${cur}"))
        ;;
    esac
}

_heatctl_risk_fit() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --no-evaluate --json --version -h --help)
    repeating_options=(--ignore)
    non_repeating_options=(--log-level --data --target --positive --model --folds --cv --seed --method --out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--data')
        return
        ;;
    '--target')
        return
        ;;
    '--positive')
        return
        ;;
    '--model')
        return
        ;;
    '--folds')
        return
        ;;
    '--cv')
        return
        ;;
    '--seed')
        return
        ;;
    '--method')
        return
        ;;
    '--ignore')
        return
        ;;
    '--out')
        return
        ;;
    esac
}

_heatctl_risk_score() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --model --data --bands --phrasing --reasons --out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--model')
        return
        ;;
    '--data')
        return
        ;;
    '--bands')
        return
        ;;
    '--phrasing')
        return
        ;;
    '--reasons')
        return
        ;;
    '--out')
        return
        ;;
    esac
}

_heatctl_risk_recommend() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --rules --data --model --bands --out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--rules')
        return
        ;;
    '--data')
        return
        ;;
    '--model')
        return
        ;;
    '--bands')
        return
        ;;
    '--out')
        return
        ;;
    esac
}

_heatctl_risk_portfolio() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=(--group)
    non_repeating_options=(--log-level --scores --previous --policy --role --level-column --bands --out --model --fraud-metrics --id-column --store --keys)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--scores')
        return
        ;;
    '--previous')
        return
        ;;
    '--policy')
        return
        ;;
    '--role')
        return
        ;;
    '--group')
        return
        ;;
    '--level-column')
        return
        ;;
    '--bands')
        return
        ;;
    '--out')
        return
        ;;
    '--model')
        __heatctl_add_completions -f
        return
        ;;
    '--fraud-metrics')
        __heatctl_add_completions -f
        return
        ;;
    '--id-column')
        return
        ;;
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    esac
}

_heatctl_risk_explain() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --model --data --client --id-column --keys --row --bands --phrasing)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--model')
        return
        ;;
    '--data')
        return
        ;;
    '--client')
        return
        ;;
    '--id-column')
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--row')
        return
        ;;
    '--bands')
        return
        ;;
    '--phrasing')
        return
        ;;
    esac
}

_heatctl_fraud() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    generate|profile|score)
        # Offer subcommand argument completions
        "_heatctl_fraud_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'generate profile score' -- "${cur}"))
        ;;
    esac
}

_heatctl_fraud_generate() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --customers --days --fraud-share --seed --out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--customers')
        return
        ;;
    '--days')
        return
        ;;
    '--fraud-share')
        return
        ;;
    '--seed')
        return
        ;;
    '--out')
        return
        ;;
    esac
}

_heatctl_fraud_profile() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --strict --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --transactions --k --seed --out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--transactions')
        return
        ;;
    '--k')
        return
        ;;
    '--seed')
        return
        ;;
    '--out')
        return
        ;;
    esac
}

_heatctl_fraud_score() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --strict --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level --transactions --model --save-model --metrics-out --measured-on --k --seed --threshold --out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    '--transactions')
        return
        ;;
    '--model')
        return
        ;;
    '--save-model')
        return
        ;;
    '--metrics-out')
        return
        ;;
    '--measured-on')
        return
        ;;
    '--k')
        return
        ;;
    '--seed')
        return
        ;;
    '--threshold')
        return
        ;;
    '--out')
        return
        ;;
    esac
}

_heatctl_ask() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=(--previous)
    non_repeating_options=(--role --manager --policy --backend --log-level)
    __heatctl_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--previous')
        return
        ;;
    '--role')
        return
        ;;
    '--manager')
        return
        ;;
    '--policy')
        return
        ;;
    '--backend')
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_summarize() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=(--previous)
    non_repeating_options=(--role --policy --log-level)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--previous')
        return
        ;;
    '--role')
        return
        ;;
    '--policy')
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_features() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --keys --labels --as-of --config --out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--labels')
        __heatctl_add_completions -f
        return
        ;;
    '--as-of')
        return
        ;;
    '--config')
        __heatctl_add_completions -f
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_labels() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    pseudonymise)
        # Offer subcommand argument completions
        "_heatctl_labels_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'pseudonymise' -- "${cur}"))
        ;;
    esac
}

_heatctl_labels_pseudonymise() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=(--keep)
    non_repeating_options=(--keys --labels --out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--labels')
        __heatctl_add_completions -f
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--keep')
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_scores() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    release)
        # Offer subcommand argument completions
        "_heatctl_scores_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'release' -- "${cur}"))
        ;;
    esac
}

_heatctl_scores_release() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --keys --scores --role --manager --groups --epsilon --policy --out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--scores')
        __heatctl_add_completions -f
        return
        ;;
    '--role')
        return
        ;;
    '--manager')
        return
        ;;
    '--groups')
        return
        ;;
    '--epsilon')
        return
        ;;
    '--policy')
        __heatctl_add_completions -f
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_trees() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    features|plan|relin-key|encode|decrypt)
        # Offer subcommand argument completions
        "_heatctl_trees_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'features plan relin-key encode decrypt' -- "${cur}"))
        ;;
    esac
}

_heatctl_trees_features() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--keys --clients --input --labels --as-of --out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--clients')
        __heatctl_add_completions -f
        return
        ;;
    '--input')
        __heatctl_add_completions -f
        return
        ;;
    '--labels')
        __heatctl_add_completions -f
        return
        ;;
    '--as-of')
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_trees_plan() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--model --out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--model')
        __heatctl_add_completions -f
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_trees_relin-key() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--keys --evaluator --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--evaluator')
        __heatctl_add_completions -d
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_trees_encode() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--plan --keys --store --clients --input --as-of --out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--plan')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--clients')
        __heatctl_add_completions -f
        return
        ;;
    '--input')
        __heatctl_add_completions -f
        return
        ;;
    '--as-of')
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_trees_decrypt() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--keys --store --scores --out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--scores')
        __heatctl_add_completions -f
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_serve() {
    repeating_flags=()
    non_repeating_flags=(--demo --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--releases --policy --token-keys --host --port --model --access-log --rate-limit --jwks --jwks-issuer --jwks-audience --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--releases')
        __heatctl_add_completions -d
        return
        ;;
    '--policy')
        __heatctl_add_completions -f
        return
        ;;
    '--token-keys')
        __heatctl_add_completions -d
        return
        ;;
    '--host')
        return
        ;;
    '--port')
        return
        ;;
    '--model')
        __heatctl_add_completions -f
        return
        ;;
    '--access-log')
        __heatctl_add_completions -f
        return
        ;;
    '--rate-limit')
        return
        ;;
    '--jwks')
        __heatctl_add_completions -f
        return
        ;;
    '--jwks-issuer')
        return
        ;;
    '--jwks-audience')
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    verify-log|openapi)
        # Offer subcommand argument completions
        "_heatctl_serve_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'verify-log openapi' -- "${cur}"))
        ;;
    esac
}

_heatctl_serve_verify-log() {
    repeating_flags=()
    non_repeating_flags=(--allow-gaps --allow-unchained-prefix --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--access-log --token-keys --head --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--access-log')
        __heatctl_add_completions -f
        return
        ;;
    '--token-keys')
        __heatctl_add_completions -d
        return
        ;;
    '--head')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_serve_openapi() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_token() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    keygen|issue|revoke)
        # Offer subcommand argument completions
        "_heatctl_token_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'keygen issue revoke' -- "${cur}"))
        ;;
    esac
}

_heatctl_token_keygen() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--token-keys --issuer --audience --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--token-keys')
        __heatctl_add_completions -d
        return
        ;;
    '--issuer')
        return
        ;;
    '--audience')
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_token_issue() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--token-keys --role --manager --ttl --subject --policy --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--token-keys')
        __heatctl_add_completions -d
        return
        ;;
    '--role')
        return
        ;;
    '--manager')
        return
        ;;
    '--ttl')
        return
        ;;
    '--subject')
        return
        ;;
    '--policy')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_token_revoke() {
    repeating_flags=()
    non_repeating_flags=(--quiet --verbose --version -h --help)
    repeating_options=(--kid --jti)
    non_repeating_options=(--token-keys --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--token-keys')
        __heatctl_add_completions -d
        return
        ;;
    '--kid')
        return
        ;;
    '--jti')
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_retention() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    apply)
        # Offer subcommand argument completions
        "_heatctl_retention_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'apply' -- "${cur}"))
        ;;
    esac
}

_heatctl_retention_apply() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --keys --before --window-weeks --previous-head --head-out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--before')
        return
        ;;
    '--window-weeks')
        return
        ;;
    '--previous-head')
        __heatctl_add_completions -f
        return
        ;;
    '--head-out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_store() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    backup|restore|measure)
        # Offer subcommand argument completions
        "_heatctl_store_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'backup restore measure' -- "${cur}"))
        ;;
    esac
}

_heatctl_store_backup() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --keys --expect-head --out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--expect-head')
        __heatctl_add_completions -f
        return
        ;;
    '--out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_store_restore() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--from --store --keys --expect-head --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--from')
        __heatctl_add_completions -f
        return
        ;;
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--expect-head')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_store_measure() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_erase() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=(--client)
    non_repeating_options=(--store --keys --client-file --collector-keys --reason --previous-head --head-out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--client')
        return
        ;;
    '--client-file')
        __heatctl_add_completions -f
        return
        ;;
    '--collector-keys')
        __heatctl_add_completions -d
        return
        ;;
    '--reason')
        return
        ;;
    '--previous-head')
        __heatctl_add_completions -f
        return
        ;;
    '--head-out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_directory() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    move|close|history)
        # Offer subcommand argument completions
        "_heatctl_directory_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'move close history' -- "${cur}"))
        ;;
    esac
}

_heatctl_directory_move() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --keys --client --from-week --previous-head --head-out --manager --manager-id --branch --collector-keys --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--client')
        return
        ;;
    '--from-week')
        return
        ;;
    '--previous-head')
        __heatctl_add_completions -f
        return
        ;;
    '--head-out')
        __heatctl_add_completions -f
        return
        ;;
    '--manager')
        return
        ;;
    '--manager-id')
        return
        ;;
    '--branch')
        return
        ;;
    '--collector-keys')
        __heatctl_add_completions -d
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_directory_close() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --keys --client --from-week --previous-head --head-out --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--keys')
        __heatctl_add_completions -d
        return
        ;;
    '--client')
        return
        ;;
    '--from-week')
        return
        ;;
    '--previous-head')
        __heatctl_add_completions -f
        return
        ;;
    '--head-out')
        __heatctl_add_completions -f
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_directory_history() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --client --log-level)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        __heatctl_add_completions -f
        return
        ;;
    '--client')
        return
        ;;
    '--log-level')
        __heatctl_add_completions -W 'trace'$'\n''debug'$'\n''info'$'\n''notice'$'\n''warning'$'\n''error'$'\n''critical'
        return
        ;;
    esac
}

_heatctl_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options -1
}

complete -o filenames -F _heatctl heatctl
