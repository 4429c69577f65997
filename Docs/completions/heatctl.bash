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
    demo|generate|heat|report|init|keys|ingest|evaluate|release|clients|release|policy|audit|ml|fhe|bench|clv|scenario|help)
        # Offer subcommand argument completions
        "_heatctl_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'demo generate heat report init keys ingest evaluate release clients release policy audit ml fhe bench clv scenario help' -- "${cur}"))
        ;;
    esac
}

_heatctl_demo() {
    repeating_flags=()
    non_repeating_flags=(--plaintext --json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--clients --weeks --seed --out --role --policy --manager --epsilon)
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
        return
        ;;
    '--role')
        return
        ;;
    '--policy')
        return
        ;;
    '--manager')
        return
        ;;
    '--epsilon')
        return
        ;;
    esac
}

_heatctl_generate() {
    repeating_flags=()
    non_repeating_flags=(--quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--clients --managers --branches --weeks --seed --end-week --out --clients-out --labels-out)
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
        return
        ;;
    '--clients-out')
        return
        ;;
    '--labels-out')
        return
        ;;
    esac
}

_heatctl_heat() {
    repeating_flags=()
    non_repeating_flags=(--strict --json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--clients --config --as-of --out)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--clients')
        return
        ;;
    '--config')
        return
        ;;
    '--as-of')
        return
        ;;
    '--out')
        return
        ;;
    esac
}

_heatctl_report() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --version -h --help)
    repeating_options=(--format)
    non_repeating_options=(--out --role --policy)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--out')
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
        return
        ;;
    esac
}

_heatctl_init() {
    repeating_flags=()
    non_repeating_flags=(--quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--store)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
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
    generate)
        # Offer subcommand argument completions
        "_heatctl_keys_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'generate' -- "${cur}"))
        ;;
    esac
}

_heatctl_keys_generate() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--out --store --preset)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--out')
        return
        ;;
    '--store')
        return
        ;;
    '--preset')
        return
        ;;
    esac
}

_heatctl_ingest() {
    repeating_flags=()
    non_repeating_flags=(--strict --plaintext --json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --keys --clients --config)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--keys')
        return
        ;;
    '--clients')
        return
        ;;
    '--config')
        return
        ;;
    esac
}

_heatctl_evaluate() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --keys --as-of --config --out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--keys')
        return
        ;;
    '--as-of')
        return
        ;;
    '--config')
        return
        ;;
    '--out')
        return
        ;;
    esac
}

_heatctl_release() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --version -h --help)
    repeating_options=(--section)
    non_repeating_options=(--store --keys --run --role --policy --manager --clients-of --epsilon --config --as-of --out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--keys')
        return
        ;;
    '--run')
        return
        ;;
    '--role')
        return
        ;;
    '--policy')
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
        return
        ;;
    '--as-of')
        return
        ;;
    '--out')
        return
        ;;
    esac
}

_heatctl_clients() {
    repeating_flags=()
    non_repeating_flags=(--reveal --json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --branch --manager --segment --level --search --config --as-of --role --policy --keys --run --clients)
    __heatctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--store')
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
        return
        ;;
    '--as-of')
        return
        ;;
    '--role')
        return
        ;;
    '--policy')
        return
        ;;
    '--keys')
        return
        ;;
    '--run')
        return
        ;;
    '--clients')
        return
        ;;
    esac
}

_heatctl_release() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --version -h --help)
    repeating_options=(--section)
    non_repeating_options=(--store --keys --run --role --policy --manager --clients-of --epsilon --config --as-of --out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--keys')
        return
        ;;
    '--run')
        return
        ;;
    '--role')
        return
        ;;
    '--policy')
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
        return
        ;;
    '--as-of')
        return
        ;;
    '--out')
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
    non_repeating_flags=(--json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--policy --role)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--policy')
        return
        ;;
    '--role')
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
    non_repeating_flags=(--first-head --json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --keys --previous-head --head-out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--keys')
        return
        ;;
    '--previous-head')
        return
        ;;
    '--head-out')
        return
        ;;
    esac
}

_heatctl_audit_verify() {
    repeating_flags=()
    non_repeating_flags=(--first-head --allow-unsigned-tail --json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --keys --expect-head)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--keys')
        return
        ;;
    '--expect-head')
        return
        ;;
    esac
}

_heatctl_audit_log() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--store --kind --since)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--store')
        return
        ;;
    '--kind')
        return
        ;;
    '--since')
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
    train|evaluate|predict|cluster|anomalies)
        # Offer subcommand argument completions
        "_heatctl_ml_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'train evaluate predict cluster anomalies' -- "${cur}"))
        ;;
    esac
}

_heatctl_ml_train() {
    repeating_flags=()
    non_repeating_flags=(--quiet --balanced --json --version -h --help)
    repeating_options=(--ignore --type --missing)
    non_repeating_options=(--data --target --positive --model --folds --folds-column --cv --seed --out --metrics-out --threshold --c --max-categories --category-limit --scale-pos-weight --base-score --early-stopping-rounds --validation-fraction --validation-data --rounds --max-depth --learning-rate --lambda --gamma --min-child-weight --subsample --colsample --tree-method --max-bins)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
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
        return
        ;;
    '--metrics-out')
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
        return
        ;;
    '--max-bins')
        return
        ;;
    esac
}

_heatctl_ml_evaluate() {
    repeating_flags=()
    non_repeating_flags=(--quiet --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--model --data --target --positive --threshold)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--model')
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
    '--threshold')
        return
        ;;
    esac
}

_heatctl_ml_predict() {
    repeating_flags=()
    non_repeating_flags=(--quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--model --data --out --explain)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--model')
        return
        ;;
    '--data')
        return
        ;;
    '--out')
        return
        ;;
    '--explain')
        return
        ;;
    esac
}

_heatctl_ml_cluster() {
    repeating_flags=()
    non_repeating_flags=(--quiet --no-silhouette --json --version -h --help)
    repeating_options=(--ignore)
    non_repeating_options=(--data --k --seed --out --n-init)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--data')
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
    non_repeating_flags=(--quiet --version -h --help)
    repeating_options=(--ignore)
    non_repeating_options=(--data --contamination --seed --out --trees)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--data')
        return
        ;;
    '--contamination')
        return
        ;;
    '--seed')
        return
        ;;
    '--out')
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
    params|keygen|encrypt|decrypt|inspect|export-json|eval)
        # Offer subcommand argument completions
        "_heatctl_fhe_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'params keygen encrypt decrypt inspect export-json eval' -- "${cur}"))
        ;;
    esac
}

_heatctl_fhe_params() {
    repeating_flags=()
    non_repeating_flags=(--quiet --json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0
}

_heatctl_fhe_keygen() {
    repeating_flags=()
    non_repeating_flags=(--quiet --no-evaluation-keys --version -h --help)
    repeating_options=()
    non_repeating_options=(--preset --out --galois-steps)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--preset')
        return
        ;;
    '--out')
        return
        ;;
    '--galois-steps')
        return
        ;;
    esac
}

_heatctl_fhe_encrypt() {
    repeating_flags=()
    non_repeating_flags=(--quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--public-key --encoding --input --column --out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--public-key')
        return
        ;;
    '--encoding')
        return
        ;;
    '--input')
        return
        ;;
    '--column')
        return
        ;;
    '--out')
        return
        ;;
    esac
}

_heatctl_fhe_decrypt() {
    repeating_flags=()
    non_repeating_flags=(--quiet --noise-budget --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--secret-key --input --encoding)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--secret-key')
        return
        ;;
    '--input')
        return
        ;;
    '--encoding')
        return
        ;;
    esac
}

_heatctl_fhe_inspect() {
    repeating_flags=()
    non_repeating_flags=(--quiet --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--secret-key)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--secret-key')
        return
        ;;
    esac
}

_heatctl_fhe_export-json() {
    repeating_flags=()
    non_repeating_flags=(--quiet --include-secret --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 1
}

_heatctl_fhe_eval() {
    repeating_flags=()
    non_repeating_flags=(--quiet --no-relinearize --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--keys --steps --out)
    __heatctl_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--keys')
        return
        ;;
    '--steps')
        return
        ;;
    '--out')
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
    fhe|ml)
        # Offer subcommand argument completions
        "_heatctl_bench_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'fhe ml' -- "${cur}"))
        ;;
    esac
}

_heatctl_bench_fhe() {
    repeating_flags=()
    non_repeating_flags=(--quiet --json --timing --version -h --help)
    repeating_options=(--preset)
    non_repeating_options=(--min-seconds --min-iterations --samples)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
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
    non_repeating_flags=(--quiet --json --version -h --help)
    repeating_options=(--model)
    non_repeating_options=(--data --target --positive --rounds --max-depth --max-bins)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
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
    non_repeating_flags=(--strict --json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--transactions --customer-column --date-column --amount-column --calibration-end --holdout-end --horizon --out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--transactions')
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
        return
        ;;
    esac
}

_heatctl_clv_predict() {
    repeating_flags=()
    non_repeating_flags=(--strict --json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--transactions --customer-column --date-column --amount-column --calibration-end --holdout-end --interactions --as-of --horizon --months --discount-rate --model --out)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--transactions')
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
        return
        ;;
    '--out')
        return
        ;;
    esac
}

_heatctl_clv_evaluate() {
    repeating_flags=()
    non_repeating_flags=(--strict --json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--transactions --customer-column --date-column --amount-column --calibration-end --holdout-end)
    __heatctl_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--transactions')
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
    non_repeating_flags=(--json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __heatctl_offer_flags_options 0
}

_heatctl_scenario_run() {
    repeating_flags=()
    non_repeating_flags=(--json --quiet --version -h --help)
    repeating_options=()
    non_repeating_options=(--file --store --keys --data --clients --seed --horizon --as-of --config --out)
    __heatctl_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--file')
        return
        ;;
    '--store')
        return
        ;;
    '--keys')
        return
        ;;
    '--data')
        return
        ;;
    '--clients')
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
        return
        ;;
    '--out')
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
