# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_irma_global_optspecs
    string join \n v/verbose q/quiet h/help V/version
end

function __fish_irma_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_irma_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_irma_using_subcommand
    set -l cmd (__fish_irma_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c irma -n "__fish_irma_needs_command" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_needs_command" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_needs_command" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_needs_command" -f -a "version" -d 'Print version information'
complete -c irma -n "__fish_irma_needs_command" -f -a "generate" -d 'Generate shell completions and man pages from this command line'
complete -c irma -n "__fish_irma_needs_command" -f -a "scheme" -d 'Manage credential schemes: verify, sign, keygen, download, update'
complete -c irma -n "__fish_irma_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand version" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand version" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand version" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand version" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "completions" -d 'Write shell completion scripts (bash, zsh, fish)'
complete -c irma -n "__fish_irma_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "man" -d 'Write man pages, one per command, into a directory'
complete -c irma -n "__fish_irma_using_subcommand generate; and not __fish_seen_subcommand_from completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand generate; and __fish_seen_subcommand_from completions" -l shell -d 'Print the script for one shell to stdout instead of writing files' -r -f -a "bash\t'GNU bash'
zsh\t'Z shell'
fish\t'fish'"
complete -c irma -n "__fish_irma_using_subcommand generate; and __fish_seen_subcommand_from completions" -l dir -d 'Directory to write `irma.bash`, `_irma` and `irma.fish` into' -r -F
complete -c irma -n "__fish_irma_using_subcommand generate; and __fish_seen_subcommand_from completions" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand generate; and __fish_seen_subcommand_from completions" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand generate; and __fish_seen_subcommand_from completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand generate; and __fish_seen_subcommand_from completions" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand generate; and __fish_seen_subcommand_from man" -l dir -d 'Directory to write `irma.1`, `irma-scheme.1`, ... into' -r -F
complete -c irma -n "__fish_irma_using_subcommand generate; and __fish_seen_subcommand_from man" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand generate; and __fish_seen_subcommand_from man" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand generate; and __fish_seen_subcommand_from man" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand generate; and __fish_seen_subcommand_from man" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "completions" -d 'Write shell completion scripts (bash, zsh, fish)'
complete -c irma -n "__fish_irma_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "man" -d 'Write man pages, one per command, into a directory'
complete -c irma -n "__fish_irma_using_subcommand generate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen download update help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen download update help" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen download update help" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen download update help" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen download update help" -f -a "verify" -d 'Verify a scheme folder or a folder of schemes: signature, index, every file hash, descriptions and keys'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen download update help" -f -a "sign" -d 'Sign a scheme folder: write timestamp, index, index.sig and pk.pem, then verify'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen download update help" -f -a "keygen" -d 'Generate an ECDSA P-256 key pair for signing schemes. Never overwrites files'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen download update help" -f -a "download" -d 'Download schemes into an irma_configuration folder'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen download update help" -f -a "update" -d 'Update schemes from their URLs when the remote timestamp is newer, downloading only changed files; each scheme is replaced atomically'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen download update help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from verify" -l schemes-path -d 'Schemes folder used when no path is given [default: $IRMA_SCHEMES_PATH, else the bundled schemes]' -r -F
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from sign" -s n -l noverification -d 'Skip verification of the scheme after signing it'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from sign" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from sign" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from sign" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keygen" -s s -l privatekey -d 'File for the private key (written with mode 0600)' -r -F
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keygen" -s p -l publickey -d 'File for the public key' -r -F
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keygen" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keygen" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keygen" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keygen" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -l schemes-path -d 'Schemes folder used when no path is given [default: $IRMA_SCHEMES_PATH, else the bundled schemes]' -r -F
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -l timeout -d 'Time limit in seconds for each HTTP request' -r
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -l json -d 'Print one JSON object with the outcome instead of text and a progress bar'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from update" -l schemes-path -d 'Schemes folder used when no path is given [default: $IRMA_SCHEMES_PATH, else the bundled schemes]' -r -F
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from update" -l timeout -d 'Time limit in seconds for each HTTP request' -r
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from update" -l json -d 'Print one JSON object with the outcome instead of text and a progress bar'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from update" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from update" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from update" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Verify a scheme folder or a folder of schemes: signature, index, every file hash, descriptions and keys'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from help" -f -a "sign" -d 'Sign a scheme folder: write timestamp, index, index.sig and pk.pem, then verify'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from help" -f -a "keygen" -d 'Generate an ECDSA P-256 key pair for signing schemes. Never overwrites files'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from help" -f -a "download" -d 'Download schemes into an irma_configuration folder'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from help" -f -a "update" -d 'Update schemes from their URLs when the remote timestamp is newer, downloading only changed files; each scheme is replaced atomically'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate scheme help" -f -a "version" -d 'Print version information'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate scheme help" -f -a "generate" -d 'Generate shell completions and man pages from this command line'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate scheme help" -f -a "scheme" -d 'Manage credential schemes: verify, sign, keygen, download, update'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate scheme help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "completions" -d 'Write shell completion scripts (bash, zsh, fish)'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "man" -d 'Write man pages, one per command, into a directory'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from scheme" -f -a "verify" -d 'Verify a scheme folder or a folder of schemes: signature, index, every file hash, descriptions and keys'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from scheme" -f -a "sign" -d 'Sign a scheme folder: write timestamp, index, index.sig and pk.pem, then verify'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from scheme" -f -a "keygen" -d 'Generate an ECDSA P-256 key pair for signing schemes. Never overwrites files'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from scheme" -f -a "download" -d 'Download schemes into an irma_configuration folder'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from scheme" -f -a "update" -d 'Update schemes from their URLs when the remote timestamp is newer, downloading only changed files; each scheme is replaced atomically'
