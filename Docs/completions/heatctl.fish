function __heatctl_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __heatctl_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __heatctl_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __heatctl_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __heatctl_parse_tokens -S
    set -l unparsed_tokens (__heatctl_tokens -pc)
    switch $unparsed_tokens[1]
    case 'heatctl'
        __heatctl_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'demo'
            __heatctl_parse_subcommand 0 'clients=' 'weeks=' 'seed=' 'plaintext' 'out=' 'json' 'quiet' 'version' 'h/help'
        case 'generate'
            __heatctl_parse_subcommand 0 'clients=' 'managers=' 'branches=' 'weeks=' 'seed=' 'end-week=' 'out=' 'clients-out=' 'labels-out=' 'quiet' 'version' 'h/help'
        case 'heat'
            __heatctl_parse_subcommand 1 'clients=' 'config=' 'as-of=' 'strict' 'out=' 'json' 'quiet' 'version' 'h/help'
        case 'report'
            __heatctl_parse_subcommand 1 'out=' 'format=+' 'json' 'quiet' 'version' 'h/help'
        case 'init'
            __heatctl_parse_subcommand 0 'store=' 'quiet' 'version' 'h/help'
        case 'keys'
            __heatctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'generate'
                __heatctl_parse_subcommand 0 'out=' 'store=' 'preset=' 'json' 'quiet' 'version' 'h/help'
            end
        case 'ingest'
            __heatctl_parse_subcommand 1 'store=' 'keys=' 'clients=' 'strict' 'plaintext' 'json' 'quiet' 'version' 'h/help'
        case 'clients'
            __heatctl_parse_subcommand -r 1 'store=' 'branch=' 'manager=' 'segment=' 'level=' 'search=' 'config=' 'as-of=' 'reveal' 'keys=' 'clients=' 'json' 'quiet' 'version' 'h/help'
        case 'audit'
            __heatctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'sign'
                __heatctl_parse_subcommand 0 'store=' 'keys=' 'head-out=' 'json' 'quiet' 'version' 'h/help'
            case 'verify'
                __heatctl_parse_subcommand 0 'store=' 'expect-head=' 'keys=' 'json' 'quiet' 'version' 'h/help'
            case 'log'
                __heatctl_parse_subcommand 0 'store=' 'kind=' 'since=' 'json' 'quiet' 'version' 'h/help'
            end
        case 'ml'
            __heatctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'train'
                __heatctl_parse_subcommand 0 'quiet' 'data=' 'target=' 'positive=' 'model=' 'folds=' 'folds-column=' 'cv=' 'seed=' 'out=' 'metrics-out=' 'ignore=+' 'type=+' 'threshold=' 'c=' 'balanced' 'rounds=' 'max-depth=' 'learning-rate=' 'lambda=' 'gamma=' 'min-child-weight=' 'subsample=' 'colsample=' 'tree-method=' 'max-bins=' 'json' 'version' 'h/help'
            case 'evaluate'
                __heatctl_parse_subcommand 0 'quiet' 'model=' 'data=' 'target=' 'positive=' 'threshold=' 'json' 'version' 'h/help'
            case 'predict'
                __heatctl_parse_subcommand 0 'quiet' 'model=' 'data=' 'out=' 'explain=' 'version' 'h/help'
            case 'cluster'
                __heatctl_parse_subcommand 0 'quiet' 'data=' 'k=' 'seed=' 'out=' 'ignore=+' 'n-init=' 'no-silhouette' 'json' 'version' 'h/help'
            case 'anomalies'
                __heatctl_parse_subcommand 0 'quiet' 'data=' 'contamination=' 'seed=' 'out=' 'ignore=+' 'trees=' 'version' 'h/help'
            end
        case 'fhe'
            __heatctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'params'
                __heatctl_parse_subcommand 0 'quiet' 'json' 'version' 'h/help'
            case 'keygen'
                __heatctl_parse_subcommand 0 'quiet' 'preset=' 'out=' 'version' 'h/help'
            case 'encrypt'
                __heatctl_parse_subcommand 0 'quiet' 'public-key=' 'secret-key=' 'encoding=' 'input=' 'column=' 'out=' 'version' 'h/help'
            case 'decrypt'
                __heatctl_parse_subcommand 0 'quiet' 'secret-key=' 'input=' 'encoding=' 'json' 'version' 'h/help'
            case 'inspect'
                __heatctl_parse_subcommand 1 'quiet' 'secret-key=' 'json' 'version' 'h/help'
            case 'export-json'
                __heatctl_parse_subcommand 1 'quiet' 'version' 'h/help'
            end
        case 'bench'
            __heatctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'fhe'
                __heatctl_parse_subcommand 0 'quiet' 'preset=+' 'min-seconds=' 'min-iterations=' 'json' 'version' 'h/help'
            end
        case 'help'
            __heatctl_parse_subcommand -r 1 'version'
        end
    end
end

function __heatctl_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __heatctl_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __heatctl_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __heatctl_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__heatctl_tokens -p)
    if test -z "$(__heatctl_tokens -t)"
        set -l index (count (__heatctl_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'heatctl' -f
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl" -eq 1' -fa 'demo' -d 'Generate a synthetic bank, score it and write results.json (plaintext).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl" -eq 1' -fa 'generate' -d 'Generate a deterministic synthetic interaction export (CSV).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl" -eq 1' -fa 'heat' -d 'Score relationship heat from an interaction export (plaintext).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl" -eq 1' -fa 'report' -d 'Render a results document as an HTML report, JSON tables or CSV files.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl" -eq 1' -fa 'init' -d 'Create an append-only, hash-chained store.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl" -eq 1' -fa 'keys' -d 'Generate the role key folders.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl" -eq 1' -fa 'ingest' -d 'Pseudonymise, de-duplicate and bucket an interaction export into the store.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl" -eq 1' -fa 'clients' -d 'List the store\'s pseudonymous client directory, or reveal references (audited).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl" -eq 1' -fa 'audit' -d 'Sign, verify and list the store\'s hash chains and audit log.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl" -eq 1' -fa 'ml' -d 'Train, evaluate, apply and explain models; segment and score anomalies in CSV tables.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl" -eq 1' -fa 'fhe' -d 'Low-level BFV homomorphic encryption toolbox.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl" -eq 1' -fa 'bench' -d 'Measure the speed of the libraries on this machine.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl demo" clients' -l 'clients' -d 'Number of clients.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl demo" weeks' -l 'weeks' -d 'Number of weeks of interactions.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl demo" seed' -l 'seed' -d 'Random seed.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl demo" plaintext' -l 'plaintext' -d 'Compute on plaintext (the only mode for now).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl demo" out' -l 'out' -d 'Folder for results.json and index.html (created when missing).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl demo" json' -l 'json' -d 'Print the results document as JSON on stdout.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl demo" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl demo" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl demo" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl generate" clients' -l 'clients' -d 'Number of clients.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl generate" managers' -l 'managers' -d 'Number of relationship managers.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl generate" branches' -l 'branches' -d 'Number of branches (at most the number of managers).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl generate" weeks' -l 'weeks' -d 'Number of weeks of interactions.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl generate" seed' -l 'seed' -d 'Random seed.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl generate" end-week' -l 'end-week' -d 'Last ISO week of the period (YYYY-Www).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl generate" out' -l 'out' -d 'Interactions CSV to write.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl generate" clients-out' -l 'clients-out' -d 'Client directory CSV to write.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl generate" labels-out' -l 'labels-out' -d 'Churn labels CSV to write (client_id,churned,churn_week).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl generate" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl generate" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl generate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl heat" clients' -l 'clients' -d 'Client directory file (.csv or .jsonl).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl heat" config' -l 'config' -d 'Heat configuration JSON (defaults for absent keys).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl heat" as-of' -l 'as-of' -d 'Reference date YYYY-MM-DD (default: the date of the latest interaction).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl heat" strict' -l 'strict' -d 'Refuse the input if any row is bad.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl heat" out' -l 'out' -d 'Write client_id,heat,trend,level,cooling to this CSV.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl heat" json' -l 'json' -d 'Print the results document as JSON on stdout.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl heat" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl heat" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl heat" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl report" out' -l 'out' -d 'The folder to write into (created if missing).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl report"' -l 'format' -d 'Output format: html, json or csv; repeat for several (default: html).' -rfka 'html json csv'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl report" json' -l 'json' -d 'Print one JSON document (files written, sections shown) on stdout.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl report" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl report" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl report" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl init" store' -l 'store' -d 'The store file to create.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl init" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl init" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl init" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl keys" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl keys" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl keys" -eq 1' -fa 'generate' -d 'Write one key folder per role.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl keys generate" out' -l 'out' -d 'The folder to write the role folders into.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl keys generate" store' -l 'store' -d 'A store to record the key fingerprints in.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl keys generate" preset' -l 'preset' -d 'FHE parameter preset (accepted for the FHE keys once they exist; ignored now).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl keys generate" json' -l 'json' -d 'Print the fingerprints as one JSON document.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl keys generate" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl keys generate" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl keys generate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ingest" store' -l 'store' -d 'The store.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ingest" keys' -l 'keys' -d 'The collector\'s key folder (keys/collector).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ingest" clients' -l 'clients' -d 'The client directory file (CSV or JSON Lines).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ingest" strict' -l 'strict' -d 'Commit nothing if any row is rejected.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ingest" plaintext' -l 'plaintext' -d 'Store plaintext buckets (test and demo data only; required for now).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ingest" json' -l 'json' -d 'Print the ingestion report as one JSON document.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ingest" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ingest" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ingest" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" store' -l 'store' -d 'The store.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" branch' -l 'branch' -d 'Only clients of this branch (reference prefix, e.g. B-3c1f).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" manager' -l 'manager' -d 'Only clients of this manager (reference prefix, e.g. M-19b0d4aa).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" segment' -l 'segment' -d 'Only clients of this segment.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" level' -l 'level' -d 'Only clients at this heat level (cold, cool, warm, hot).' -rfka 'cold cool warm hot'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" search' -l 'search' -d 'Only clients whose reference starts with this prefix (e.g. C-7f3a).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" config' -l 'config' -d 'Heat configuration file (default: the built-in configuration).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" as-of' -l 'as-of' -d 'Heat reference date YYYY-MM-DD (default: the latest stored week).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" reveal' -l 'reveal' -d 'Reveal raw ids for references, using your own clients file (audited).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" keys' -l 'keys' -d 'With --reveal: the collector\'s key folder (keys/collector).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" clients' -l 'clients' -d 'With --reveal: your clients file with the raw ids.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" json' -l 'json' -d 'Print one JSON document.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl clients" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl audit" -eq 1' -fa 'sign' -d 'Sign the store\'s chain heads (key holder).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl audit" -eq 1' -fa 'verify' -d 'Check every hash chain and signed head; exit 1 on a violation.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl audit" -eq 1' -fa 'log' -d 'List audit log entries.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit sign" store' -l 'store' -d 'The store.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit sign" keys' -l 'keys' -d 'The key holder\'s folder (keys/keyholder).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit sign" head-out' -l 'head-out' -d 'Where to write the signed head.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit sign" json' -l 'json' -d 'Print the signed head as one JSON document.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit sign" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit sign" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit sign" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit verify" store' -l 'store' -d 'The store.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit verify" expect-head' -l 'expect-head' -d 'A head file written by `audit sign --head-out`.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit verify" keys' -l 'keys' -d 'The auditor\'s folder (keys/auditor) to pin the verification key.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit verify" json' -l 'json' -d 'Print the report as one JSON document.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit verify" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit verify" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit log" store' -l 'store' -d 'The store.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit log" kind' -l 'kind' -d 'Only entries of this kind (e.g. ingest, keys, audit.sign).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit log" since' -l 'since' -d 'Only entries recorded on or after this UTC date (YYYY-MM-DD).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit log" json' -l 'json' -d 'Print the entries as one JSON document.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit log" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit log" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl audit log" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl ml" -eq 1' -fa 'train' -d 'Train a binary classifier on a CSV table (optionally cross-validated).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl ml" -eq 1' -fa 'evaluate' -d 'Score a saved model on a labelled CSV table.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl ml" -eq 1' -fa 'predict' -d 'Score a raw CSV table with a saved model.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl ml" -eq 1' -fa 'cluster' -d 'Segment the rows of a CSV table with k-means on its numeric columns.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl ml" -eq 1' -fa 'anomalies' -d 'Score the rows of a CSV table for anomalies with an Isolation Forest.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" data' -l 'data' -d 'The training CSV file.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" target' -l 'target' -d 'The target column (two classes).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" positive' -l 'positive' -d 'The positive class (default: 1, true, or the larger label).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" model' -l 'model' -d 'The estimator: logistic or gbdt.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" folds' -l 'folds' -d 'A CSV file with one fold index per data row (header line first).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" folds-column' -l 'folds-column' -d 'A column of the data holding the fold index of each row (not used as a feature).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" cv' -l 'cv' -d 'Stratified K-fold cross-validation with this many folds.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" seed' -l 'seed' -d 'Seed for fold shuffling and subsampling.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" out' -l 'out' -d 'Where to save the fitted model (envelope, kind model).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" metrics-out' -l 'metrics-out' -d 'Where to write the JSON training report.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train"' -l 'ignore' -d 'A column that is not a feature (repeatable).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train"' -l 'type' -d 'A column type override NAME=TYPE, TYPE one of numeric, categorical, boolean, date, identifier (repeatable).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" threshold' -l 'threshold' -d 'Decision threshold for accuracy, F1, precision, recall.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" c' -l 'c' -d 'logistic: inverse L2 strength C (scikit-learn\'s meaning).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" balanced' -l 'balanced' -d 'logistic: weight classes inversely to their frequency.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" rounds' -l 'rounds' -d 'gbdt: boosting rounds.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" max-depth' -l 'max-depth' -d 'gbdt: maximum tree depth.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" learning-rate' -l 'learning-rate' -d 'gbdt: shrinkage eta.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" lambda' -l 'lambda' -d 'gbdt: L2 regularisation of leaf weights.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" gamma' -l 'gamma' -d 'gbdt: minimum split gain.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" min-child-weight' -l 'min-child-weight' -d 'gbdt: minimum hessian in a child.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" subsample' -l 'subsample' -d 'gbdt: share of rows per tree.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" colsample' -l 'colsample' -d 'gbdt: share of features per tree.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" tree-method' -l 'tree-method' -d 'gbdt: hist or exact.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" max-bins' -l 'max-bins' -d 'gbdt: histogram bins per feature (hist).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" json' -l 'json' -d 'Print the training report as one JSON document on stdout.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml train" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml evaluate" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml evaluate" model' -l 'model' -d 'The model file written by `ml train --out`.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml evaluate" data' -l 'data' -d 'The labelled CSV file.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml evaluate" target' -l 'target' -d 'The target column.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml evaluate" positive' -l 'positive' -d 'The positive class; must match the model\'s.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml evaluate" threshold' -l 'threshold' -d 'Decision threshold for accuracy, F1, precision, recall.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml evaluate" json' -l 'json' -d 'Print the model report as one JSON document on stdout.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml evaluate" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml evaluate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml predict" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml predict" model' -l 'model' -d 'The model file written by `ml train --out`.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml predict" data' -l 'data' -d 'The CSV file to score.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml predict" out' -l 'out' -d 'Where to write the rows with their probability.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml predict" explain' -l 'explain' -d 'Add the N largest per-feature contributions of each row (feature_K, contribution_K columns).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml predict" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml predict" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml cluster" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml cluster" data' -l 'data' -d 'The CSV file to segment.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml cluster" k' -l 'k' -d 'The number of clusters.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml cluster" seed' -l 'seed' -d 'Seed for the k-means++ initialisation.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml cluster" out' -l 'out' -d 'Where to write the rows with their cluster.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml cluster"' -l 'ignore' -d 'A column that is not used (repeatable), e.g. a target or fold column.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml cluster" n-init' -l 'n-init' -d 'Seeded starts; the lowest inertia wins.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml cluster" no-silhouette' -l 'no-silhouette' -d 'Skip the silhouette (its cost is quadratic in the rows).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml cluster" json' -l 'json' -d 'Print the clustering summary as one JSON document on stdout.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml cluster" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml cluster" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml anomalies" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml anomalies" data' -l 'data' -d 'The CSV file to score.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml anomalies" contamination' -l 'contamination' -d 'auto (threshold 0.5) or the share of rows to flag, in (0, 0.5].' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml anomalies" seed' -l 'seed' -d 'Seed for the subsamples and splits.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml anomalies" out' -l 'out' -d 'Where to write the rows with their score.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml anomalies"' -l 'ignore' -d 'A column that is not used (repeatable), e.g. a target or fold column.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml anomalies" trees' -l 'trees' -d 'The number of trees.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml anomalies" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl ml anomalies" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl fhe" -eq 1' -fa 'params' -d 'List the BFV parameter presets (128-bit security).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl fhe" -eq 1' -fa 'keygen' -d 'Generate a BFV key pair for a preset.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl fhe" -eq 1' -fa 'encrypt' -d 'Encrypt a JSON array or a CSV column of integers into one ciphertext.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl fhe" -eq 1' -fa 'decrypt' -d 'Decrypt a ciphertext and print its values.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl fhe" -eq 1' -fa 'inspect' -d 'Describe a HeatFHE file (parameters, key, ciphertext or plaintext).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl fhe" -eq 1' -fa 'export-json' -d 'Print a secret key, public key or ciphertext as JSON for independent checking.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe params" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe params" json' -l 'json' -d 'Print the presets as one JSON document.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe params" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe params" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe keygen" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe keygen" preset' -l 'preset' -d 'The parameter preset (see `heatctl fhe params`).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe keygen" out' -l 'out' -d 'The folder to write the keys into.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe keygen" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe keygen" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe encrypt" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe encrypt" public-key' -l 'public-key' -d 'Encrypt with this public key file.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe encrypt" secret-key' -l 'secret-key' -d 'Encrypt with this secret key file.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe encrypt" encoding' -l 'encoding' -d 'batch (SIMD slots, default) or coefficient.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe encrypt" input' -l 'input' -d 'The values: a .json array or a .csv file.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe encrypt" column' -l 'column' -d 'The CSV column holding the values.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe encrypt" out' -l 'out' -d 'The ciphertext file to write.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe encrypt" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe encrypt" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe decrypt" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe decrypt" secret-key' -l 'secret-key' -d 'The secret key file.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe decrypt" input' -l 'input' -d 'The ciphertext file.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe decrypt" encoding' -l 'encoding' -d 'Decode as batch or coefficient (default: as encrypted).' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe decrypt" json' -l 'json' -d 'Print one JSON document.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe decrypt" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe decrypt" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe inspect" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe inspect" secret-key' -l 'secret-key' -d 'A secret key, to measure a ciphertext\'s noise budget.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe inspect" json' -l 'json' -d 'Print one JSON document.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe inspect" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe inspect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe export-json" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe export-json" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl fhe export-json" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl bench" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl bench" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_positional "heatctl bench" -eq 1' -fa 'fhe' -d 'Time the BFV operations (NTT, keygen, encode, encrypt, decrypt, evaluate, serialize).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl bench fhe" quiet' -l 'quiet' -d 'Print only results and errors (no progress bars or log lines).'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl bench fhe"' -l 'preset' -d 'A preset name or its prefix (n4096, n8192, n16384); repeatable. Default: n4096 and n8192.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl bench fhe" min-seconds' -l 'min-seconds' -d 'The least total time per operation, in seconds.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl bench fhe" min-iterations' -l 'min-iterations' -d 'The least number of timed calls per operation.' -rfka ''
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl bench fhe" json' -l 'json' -d 'Print the results as one JSON document.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl bench fhe" version' -l 'version' -d 'Show the version.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl bench fhe" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'heatctl' -n '__heatctl_should_offer_completions_for_flags_or_options "heatctl help" version' -l 'version' -d 'Show the version.'
