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
complete -c irma -n "__fish_irma_needs_command" -f -a "version" -d 'Print version information: the reference\'s lines (version, OS/architecture), then ours'
complete -c irma -n "__fish_irma_needs_command" -f -a "generate" -d 'Generate shell completions and man pages from this command line'
complete -c irma -n "__fish_irma_needs_command" -f -a "completion" -d 'Print the completion script for a shell (cobra\'s `completion` command)'
complete -c irma -n "__fish_irma_needs_command" -f -a "scheme" -d 'Manage credential schemes: verify, sign, keygen, keycopy, download, update'
complete -c irma -n "__fish_irma_needs_command" -f -a "issuer" -d 'Manage Idemix issuer keys, and revoke credentials (the same as `irma scheme issuer`)'
complete -c irma -n "__fish_irma_needs_command" -f -a "jwt" -d 'Sign requestor JWTs and verify IRMA JWTs (requests, results)'
complete -c irma -n "__fish_irma_needs_command" -f -a "meta" -d 'Show what a credential\'s metadata attribute says: type, dates, key'
complete -c irma -n "__fish_irma_needs_command" -f -a "signature" -d 'Verify attribute-based signatures offline'
complete -c irma -n "__fish_irma_needs_command" -f -a "session" -d 'Perform an IRMA disclosure, issuance or signature session, or act on one'
complete -c irma -n "__fish_irma_needs_command" -f -a "request" -d 'Generate an IRMA session request: JSON, or a signed JWT with -a hmac|rsa'
complete -c irma -n "__fish_irma_needs_command" -f -a "server" -d 'Run the IRMA server (the requestor API, and the app and frontend API under /irma), or check its configuration (`irma server check`)'
complete -c irma -n "__fish_irma_needs_command" -f -a "wallet" -d 'A headless IRMA app: perform sessions, list, import and export credentials'
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
fish\t'fish'
powershell\t'PowerShell'"
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
complete -c irma -n "__fish_irma_using_subcommand completion" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand completion" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand completion" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand completion" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen keycopy download update issuer help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen keycopy download update issuer help" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen keycopy download update issuer help" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen keycopy download update issuer help" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen keycopy download update issuer help" -f -a "verify" -d 'Verify a scheme folder or a folder of schemes: signature, index, every file hash, descriptions and keys'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen keycopy download update issuer help" -f -a "sign" -d 'Sign a scheme folder: write timestamp, index, index.sig and pk.pem, then verify'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen keycopy download update issuer help" -f -a "keygen" -d 'Generate an ECDSA P-256 key pair for signing schemes. Never overwrites files'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen keycopy download update issuer help" -f -a "keycopy" -d 'Copy a scheme private key under a new passphrase (or, with --pass=false, without one). Never overwrites files'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen keycopy download update issuer help" -f -a "download" -d 'Download schemes into an irma_configuration folder'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen keycopy download update issuer help" -f -a "update" -d 'Update schemes from their URLs when the remote timestamp is newer, downloading only changed files; each scheme is replaced atomically'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen keycopy download update issuer help" -f -a "issuer" -d 'Manage Idemix issuer keys'
complete -c irma -n "__fish_irma_using_subcommand scheme; and not __fish_seen_subcommand_from verify sign keygen keycopy download update issuer help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from verify" -l schemes-path -d 'Folder verified when no PATH is given [default: $IRMA_SCHEMES_PATH, else the current directory]' -r -F
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
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keygen" -l pass -d 'Ask for a passphrase to encrypt the private key (asked twice on a terminal; else the first line of standard input)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keygen" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keygen" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keygen" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keygen" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keycopy" -s i -l in -d 'The private key to copy' -r -F
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keycopy" -s o -l out -d 'File for the copy (written with mode 0600)' -r -F
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keycopy" -l pass -d 'Encrypt the copy with a new passphrase' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keycopy" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keycopy" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keycopy" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from keycopy" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -l schemes-path -d 'Schemes folder used when no path is given [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration]' -r -F
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -l timeout -d 'Time limit in seconds for each HTTP request' -r
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -l use-schemes-assets-path -d 'Download into the schemes assets folder (~/.local/share/irma/irma_configuration_assets) instead of the schemes folder'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -l json -d 'Print one JSON object with the outcome instead of text and a progress bar'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from download" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from update" -l schemes-path -d 'Schemes folder used when no path is given [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration]' -r -F
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from update" -l timeout -d 'Time limit in seconds for each HTTP request' -r
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from update" -l json -d 'Print one JSON object with the outcome instead of text and a progress bar'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from update" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from update" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from update" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from issuer" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from issuer" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from issuer" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from issuer" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from issuer" -f -a "keygen" -d 'Generate a new IRMA issuer private/public keypair'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from issuer" -f -a "revocation-keypair" -d 'Augment an IRMA private-public keypair with revocation key material'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from issuer" -f -a "revoke" -d 'Revoke a previously issued credential identified by a given key'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from issuer" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Verify a scheme folder or a folder of schemes: signature, index, every file hash, descriptions and keys'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from help" -f -a "sign" -d 'Sign a scheme folder: write timestamp, index, index.sig and pk.pem, then verify'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from help" -f -a "keygen" -d 'Generate an ECDSA P-256 key pair for signing schemes. Never overwrites files'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from help" -f -a "keycopy" -d 'Copy a scheme private key under a new passphrase (or, with --pass=false, without one). Never overwrites files'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from help" -f -a "download" -d 'Download schemes into an irma_configuration folder'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from help" -f -a "update" -d 'Update schemes from their URLs when the remote timestamp is newer, downloading only changed files; each scheme is replaced atomically'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from help" -f -a "issuer" -d 'Manage Idemix issuer keys'
complete -c irma -n "__fish_irma_using_subcommand scheme; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand issuer; and not __fish_seen_subcommand_from keygen revocation-keypair revoke help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand issuer; and not __fish_seen_subcommand_from keygen revocation-keypair revoke help" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand issuer; and not __fish_seen_subcommand_from keygen revocation-keypair revoke help" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand issuer; and not __fish_seen_subcommand_from keygen revocation-keypair revoke help" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand issuer; and not __fish_seen_subcommand_from keygen revocation-keypair revoke help" -f -a "keygen" -d 'Generate a new IRMA issuer private/public keypair'
complete -c irma -n "__fish_irma_using_subcommand issuer; and not __fish_seen_subcommand_from keygen revocation-keypair revoke help" -f -a "revocation-keypair" -d 'Augment an IRMA private-public keypair with revocation key material'
complete -c irma -n "__fish_irma_using_subcommand issuer; and not __fish_seen_subcommand_from keygen revocation-keypair revoke help" -f -a "revoke" -d 'Revoke a previously issued credential identified by a given key'
complete -c irma -n "__fish_irma_using_subcommand issuer; and not __fish_seen_subcommand_from keygen revocation-keypair revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from keygen" -s s -l privatekey -d 'File to write the private key to (default "PrivateKeys/$counter.xml")' -r -F
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from keygen" -s p -l publickey -d 'File to write the public key to (default "PublicKeys/$counter.xml")' -r -F
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from keygen" -s e -l expirydate -d 'Expiry date of the key pair in RFC3339 ("2006-01-02T15:04:05+07:00"); overrides --valid-for' -r
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from keygen" -l valid-for -d 'How long the key pair is valid from now: a number followed by y, M, d, h or m (years, months, days, hours, minutes), e.g. "2y". Ignored with --expirydate' -r
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from keygen" -s l -l keylength -d 'Key length in bits: 1024, 2048 or 4096' -r
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from keygen" -s c -l counter -d 'Key counter; 0 means one more than the highest PublicKeys/<n>.xml' -r
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from keygen" -s a -l numattributes -d 'Number of attributes (bases R_0…, the secret key and metadata included)' -r
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from keygen" -s f -l force-overwrite -d 'Overwrite existing key files'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from keygen" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from keygen" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from keygen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from keygen" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revocation-keypair" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revocation-keypair" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revocation-keypair" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revocation-keypair" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revoke" -s s -l schemes-path -d 'Path to irma_configuration [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration, filled with the built-in schemes]' -r -F
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revoke" -l schemes-assets-path -d 'If specified, copy schemes from here into --schemes-path when missing there or newer [default: ~/.local/share/irma/irma_configuration_assets if it exists]' -r -F
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revoke" -s a -l auth-method -d 'Authentication method to the server' -r -f -a "none\t'Plain JSON, no authentication'
token\t'Plain JSON with `--key` as the `Authorization` header'
hmac\t'A JWT signed with HS256, `--key` being the base64 HMAC key'
rsa\t'A JWT signed with RS256, `--key` being an RSA private key in PEM'"
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revoke" -l key -d 'Key to authenticate with: the token, the base64 HMAC key or the PEM RSA private key; if this names an existing file, its contents are the key' -r
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revoke" -l name -d 'Requestor name (the `iss` of request JWTs)' -r
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revoke" -l revocation-db-type -d 'Without URL: the authority\'s database type (postgres, mysql or sqlite)' -r
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revoke" -l revocation-db-str -d 'Without URL: the authority\'s database connection string, as the server\'s revocation_db_str [default for sqlite: ~/.local/share/irma/revocation.db]' -r
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revoke" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from help" -f -a "keygen" -d 'Generate a new IRMA issuer private/public keypair'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from help" -f -a "revocation-keypair" -d 'Augment an IRMA private-public keypair with revocation key material'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a previously issued credential identified by a given key'
complete -c irma -n "__fish_irma_using_subcommand issuer; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand jwt; and not __fish_seen_subcommand_from sign verify help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand jwt; and not __fish_seen_subcommand_from sign verify help" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand jwt; and not __fish_seen_subcommand_from sign verify help" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand jwt; and not __fish_seen_subcommand_from sign verify help" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand jwt; and not __fish_seen_subcommand_from sign verify help" -f -a "sign" -d 'Sign a session request (JSON) as a requestor JWT, as `irma request -a hmac|rsa` does'
complete -c irma -n "__fish_irma_using_subcommand jwt; and not __fish_seen_subcommand_from sign verify help" -f -a "verify" -d 'Show a JWT, say what it is, and check its signature and times'
complete -c irma -n "__fish_irma_using_subcommand jwt; and not __fish_seen_subcommand_from sign verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from sign" -s a -l auth-method -d 'Signing method' -r -f -a "hmac\t'HS256 with a base64 HMAC key (server auth method `hmac`)'
rsa\t'RS256 with an RSA private key in PEM (server auth method `publickey`)'"
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from sign" -l key -d 'HMAC key (base64) or RSA private key (PEM); if this names an existing file, its contents are the key' -r
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from sign" -l name -d 'Requestor name: the `iss` claim' -r
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from sign" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from sign" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from sign" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from verify" -l key -d 'Key file: an RSA public key in PEM (a private key works too), else a base64 HMAC key' -r -F
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from verify" -l hmac-key -d 'HMAC key in base64' -r
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from verify" -l server -d 'Fetch the RSA public key from an IRMA server\'s `URL/publickey` (https; plain http only to a loopback address)' -r
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from verify" -l max-age -d 'Maximum age of `iat` in seconds (a server\'s `max_request_age`); `iat` is then required' -r
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from verify" -l leeway -d 'Clock-skew tolerance in seconds for `exp`, `nbf` and `iat`' -r
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from verify" -l at -d 'Check the times as of this unix time instead of now, e.g. to audit an old token' -r
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from verify" -l json -d 'Print one JSON object: kind, header, claims, valid, error'
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from help" -f -a "sign" -d 'Sign a session request (JSON) as a requestor JWT, as `irma request -a hmac|rsa` does'
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Show a JWT, say what it is, and check its signature and times'
complete -c irma -n "__fish_irma_using_subcommand jwt; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand meta" -s i -l irmaconf -l schemes-path -d 'Path to irma_configuration [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration]' -r -F
complete -c irma -n "__fish_irma_using_subcommand meta" -l irmaconf-assets -d 'If specified, copy schemes from here into --irmaconf when missing there or newer [default: ~/.local/share/irma/irma_configuration_assets if it exists]' -r -F
complete -c irma -n "__fish_irma_using_subcommand meta" -l at -d 'Judge IsValid at this Unix time [default: now]' -r
complete -c irma -n "__fish_irma_using_subcommand meta" -l json -d 'Print one JSON object instead of text'
complete -c irma -n "__fish_irma_using_subcommand meta" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand meta" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand meta" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand meta" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand signature; and not __fish_seen_subcommand_from verify help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand signature; and not __fish_seen_subcommand_from verify help" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand signature; and not __fish_seen_subcommand_from verify help" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand signature; and not __fish_seen_subcommand_from verify help" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand signature; and not __fish_seen_subcommand_from verify help" -f -a "verify" -d 'Verify an attribute-based signature offline (like irmago `SignedMessage.Verify`)'
complete -c irma -n "__fish_irma_using_subcommand signature; and not __fish_seen_subcommand_from verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand signature; and __fish_seen_subcommand_from verify" -l request -d 'The signature request (JSON) the signature must match; without it the signature is checked on its own and every attribute is reported as EXTRA. A request without a nonce (as the requestor posted it; the server chose the nonce) is matched on its message and attributes' -r -F
complete -c irma -n "__fish_irma_using_subcommand signature; and __fish_seen_subcommand_from verify" -l schemes-path -d 'Schemes folder [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration]' -r -F
complete -c irma -n "__fish_irma_using_subcommand signature; and __fish_seen_subcommand_from verify" -l at -d 'Verify as at this Unix time [default: now]' -r
complete -c irma -n "__fish_irma_using_subcommand signature; and __fish_seen_subcommand_from verify" -l trust-timestamp-key -d 'Trust this timestamp server public key (base64 Ed25519) without asking the server; repeatable' -r
complete -c irma -n "__fish_irma_using_subcommand signature; and __fish_seen_subcommand_from verify" -l json -d 'Print one JSON object instead of text'
complete -c irma -n "__fish_irma_using_subcommand signature; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand signature; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand signature; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand signature; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand signature; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Verify an attribute-based signature offline (like irmago `SignedMessage.Verify`)'
complete -c irma -n "__fish_irma_using_subcommand signature; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l server -d 'External IRMA server to post the request to (default: an embedded server)' -r
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -s u -l url -d 'External URL at which the app reaches the embedded server, ":port" being replaced by the port (default: http://<local IP>:port)' -r
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -s p -l port -d 'Port the embedded server listens at (0: any free port)' -r
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -s k -l privkeys -d 'Path to issuer private keys for the embedded server' -r -F
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l from-package -d 'Follow a session started elsewhere, from its session package (JSON or a file)' -r
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l static-server -d 'Show the QR code of a static session on this server, then exit' -r
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l static-name -d 'The static session\'s name (with --static-server)' -r
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -s s -l schemes-path -d 'Path to irma_configuration [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration, filled with the built-in schemes]' -r -F
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l schemes-assets-path -d 'If specified, copy schemes from here into --schemes-path when missing there or newer [default: ~/.local/share/irma/irma_configuration_assets if it exists]' -r -F
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -s a -l auth-method -d 'Authentication method to the server' -r -f -a "none\t'Plain JSON, no authentication'
token\t'Plain JSON with `--key` as the `Authorization` header'
hmac\t'A JWT signed with HS256, `--key` being the base64 HMAC key'
rsa\t'A JWT signed with RS256, `--key` being an RSA private key in PEM'"
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l key -d 'Key to authenticate with: the token, the base64 HMAC key or the PEM RSA private key; if this names an existing file, its contents are the key' -r
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l name -d 'Requestor name (the `iss` of request JWTs)' -r
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l disclose -d 'Add an attribute disjunction: comma-separated attribute ids, one of which is disclosed (repeatable)' -r
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l issue -d 'Add a credential to issue: `CREDTYPE=v1,v2,…`, the values in scheme order, random-blind and revocation attributes left out (repeatable)' -r
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l sign -d 'Add an attribute disjunction to a signature session (repeatable)' -r
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l message -d 'Message to sign in a signature session' -r
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l revocation-key -d 'Revocation key of the credentials to issue that support revocation' -r
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -s r -l request -d 'A complete session request (plain or extended JSON), or a file holding one' -r
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l noqr -d 'Print the session pointer JSON instead of drawing the QR code'
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l pairing -d 'Let the app pair first: it shows a code that must match the one printed here'
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l no-wait -d 'Print the session package and exit (with --server), to follow the session with `irma session status|result|cancel`'
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l json -d 'Print the result as one JSON object even on a terminal'
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -l disable-schemes-update -d 'Do not update the schemes from their URLs before the session (by default they are, as the reference does; when that fails the local schemes are used)'
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -f -a "status" -d 'Print the status of a session'
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -f -a "result" -d 'Print the result of a session; the exit status says how it ended'
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -f -a "cancel" -d 'Cancel a session'
complete -c irma -n "__fish_irma_using_subcommand session; and not __fish_seen_subcommand_from status result cancel help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from status" -l server -d 'The IRMA server\'s requestor API URL' -r
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from status" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from result" -l server -d 'The IRMA server\'s requestor API URL' -r
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from result" -l json -d 'Print the result as one JSON object even on a terminal'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from result" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from result" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from result" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from result" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from cancel" -l server -d 'The IRMA server\'s requestor API URL' -r
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from cancel" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from cancel" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from cancel" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "status" -d 'Print the status of a session'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "result" -d 'Print the result of a session; the exit status says how it ended'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Cancel a session'
complete -c irma -n "__fish_irma_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand request" -s s -l schemes-path -d 'Path to irma_configuration [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration, filled with the built-in schemes]' -r -F
complete -c irma -n "__fish_irma_using_subcommand request" -l schemes-assets-path -d 'If specified, copy schemes from here into --schemes-path when missing there or newer [default: ~/.local/share/irma/irma_configuration_assets if it exists]' -r -F
complete -c irma -n "__fish_irma_using_subcommand request" -s a -l auth-method -d 'Authentication method to the server' -r -f -a "none\t'Plain JSON, no authentication'
token\t'Plain JSON with `--key` as the `Authorization` header'
hmac\t'A JWT signed with HS256, `--key` being the base64 HMAC key'
rsa\t'A JWT signed with RS256, `--key` being an RSA private key in PEM'"
complete -c irma -n "__fish_irma_using_subcommand request" -l key -d 'Key to authenticate with: the token, the base64 HMAC key or the PEM RSA private key; if this names an existing file, its contents are the key' -r
complete -c irma -n "__fish_irma_using_subcommand request" -l name -d 'Requestor name (the `iss` of request JWTs)' -r
complete -c irma -n "__fish_irma_using_subcommand request" -l disclose -d 'Add an attribute disjunction: comma-separated attribute ids, one of which is disclosed (repeatable)' -r
complete -c irma -n "__fish_irma_using_subcommand request" -l issue -d 'Add a credential to issue: `CREDTYPE=v1,v2,…`, the values in scheme order, random-blind and revocation attributes left out (repeatable)' -r
complete -c irma -n "__fish_irma_using_subcommand request" -l sign -d 'Add an attribute disjunction to a signature session (repeatable)' -r
complete -c irma -n "__fish_irma_using_subcommand request" -l message -d 'Message to sign in a signature session' -r
complete -c irma -n "__fish_irma_using_subcommand request" -l revocation-key -d 'Revocation key of the credentials to issue that support revocation' -r
complete -c irma -n "__fish_irma_using_subcommand request" -s r -l request -d 'A complete session request (plain or extended JSON), or a file holding one' -r
complete -c irma -n "__fish_irma_using_subcommand request" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand request" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand request" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand request" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -s c -l config -d 'Path to configuration file (JSON, TOML or YAML)' -r -F
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -s s -l schemes-path -d 'Path to irma_configuration [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration, filled with the built-in irma-demo and pbdf]' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l schemes-assets-path -d 'If specified, copy schemes from here into --schemes-path when missing there or newer [default: ~/.local/share/irma/irma_configuration_assets if it exists]' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l schemes-update -d 'Update schemes every x minutes (0 to disable)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -s k -l privkeys -d 'Path to IRMA private keys' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l skip-private-keys-check -d 'Whether to skip checking if the private keys that are required for issuing are present' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -s u -l url -d 'External URL to server to which the IRMA client connects, ":port" being replaced by --port value' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -s p -l port -d 'Port at which to listen' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -s l -l listen-addr -d 'Address at which to listen (default 0.0.0.0)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -s a -l api-prefix -d 'Prefix API endpoints with this string, e.g. POST /session becomes POST {api-prefix}/session' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l client-port -d 'If specified, start a separate server for the IRMA app at this port' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l client-listen-addr -d 'Address at which server for IRMA app listens' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l metrics-port -d 'If specified, serve /metrics (and /ready, /health) on this port instead of on the requestor port' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l metrics-listen-addr -d 'Address at which the metrics listener listens (default 0.0.0.0)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l shutdown-timeout -d 'On SIGTERM, keep serving the sessions already started for at most this many seconds (default 60)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l max-connections -d 'Most connections each listener serves at once; more wait in the accept backlog [default: 4096, less when the open-file limit is lower]' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l static-path -d 'Host files under this path as static files (leave empty to disable)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l static-prefix -d 'Host static files under this URL prefix (default "/")' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l sse -d 'Enable server sent for status updates (experimental)' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l tls-cert -d 'TLS certificate (chain)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l tls-cert-file -d 'Path to TLS certificate (chain)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l tls-privkey -d 'TLS private key' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l tls-privkey-file -d 'Path to TLS private key' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l client-tls-cert -d 'TLS certificate (chain) for the IRMA app server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l client-tls-cert-file -d 'Path to TLS certificate (chain) for the IRMA app server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l client-tls-privkey -d 'TLS private key for the IRMA app server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l client-tls-privkey-file -d 'Path to TLS private key for the IRMA app server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l no-tls -d 'Whether TLS is not needed for the requestor server, even in production mode' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l no-auth -d 'Whether or not to authenticate requestors (and reject all authenticated requests)' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l requestors -d 'Requestor configuration (in JSON)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l disclose-perms -d 'Comma-separated list of attributes that all requestors may verify (default "*")' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l sign-perms -d 'Comma-separated list of attributes that all requestors may request in signatures (default "*")' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l issue-perms -d 'Comma-separated list of attributes that all requestors may issue' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l revoke-perms -d 'Comma-separated list of credentials that all requestors may revoke' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l static-sessions -d 'Preconfigured static sessions (in JSON)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l max-request-age -d 'Max age in seconds of a session request JWT' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l jwt-leeway -d 'Clock-skew leeway in seconds for requestor JWTs (default 5)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l max-session-lifetime -d 'Maximum lifetime of a session, in minutes' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l session-result-lifetime -d 'Time in minutes for which a session result is kept after the session has finished' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -s j -l jwt-issuer -d 'JWT issuer' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l jwt-privkey -d 'JWT private key' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l jwt-privkey-file -d 'Path to JWT private key' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l allow-unsigned-callbacks -d 'Allow requests with callbacks or nextSession without a JWT private key' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l augment-client-return-url -d 'Whether to allow session requests to augment the client return URL' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l allow-private-callbacks -d 'In production mode, allow callback and nextSession URLs that resolve to loopback, link-local or private addresses' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l store-type -d 'Specifies how session state will be saved on the server (memory or redis)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-addr -d 'Redis address, to be specified as host:port' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-sentinel-addrs -d 'Redis Sentinel addresses, to be specified as host:port (comma-separated)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-sentinel-master-name -d 'Redis Sentinel master name' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-accept-inconsistency-risk -d 'Accept the risk of inconsistent session state with Redis Sentinel or cluster' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-username -d 'Redis server username (when using ACLs)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-pw -d 'Redis server password' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-sentinel-username -d 'Redis Sentinel username (when using ACLs)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-sentinel-pw -d 'Redis Sentinel password' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-allow-empty-password -d 'Explicitly allow an empty string as Redis password' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-acl-use-key-prefixes -d 'Prefix every Redis key with the username (when using ACLs)' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-db -d 'Redis database to be selected after connecting to the server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-tls-cert -d 'Redis TLS certificate (PEM) of the server or its CA' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-tls-cert-file -d 'Path to the Redis TLS certificate (PEM) of the server or its CA' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-tls-client-cert-file -d 'Path to the Redis TLS client certificate (for mutual TLS)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-tls-client-key-file -d 'Path to the Redis TLS client key (for mutual TLS)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-no-tls -d 'Disable TLS to Redis (plain TCP)' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l redis-key-prefix -d 'Prefix of every Redis key and channel, so one Redis can serve several deployments' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l revocation-db-type -d 'Database type for revocation: postgres, mysql, or sqlite (the default for a revocation server or authority: revocation.db in the data folder)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l revocation-db-str -d 'Connection string for the revocation database (postgres: "host=… port=… user=… dbname=…" or a postgres:// URL; mysql: "user:password@tcp(host:port)/db"; sqlite: a file)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l revocation-settings -d 'Revocation settings per credential type, in JSON: {"CREDTYPE": {"authority": true}} or {"server", "revocation_server_url", "tolerance", "sse"}' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l production -d 'Production mode' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l log-json -d 'Log in JSON format' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -s e -l email -d 'Accepted for compatibility and ignored: this server sends no email' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l no-email -d 'Accepted for compatibility and ignored: this server sends no email' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l sdjwtvc-issuer-certificates-dir -d 'SD-JWT VC issuer certificates directory (not supported: refused when set)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -l sdjwtvc-issuer-private-keys-dir -d 'SD-JWT VC issuer private keys directory (not supported: refused when set)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -f -a "check" -d 'Check the server configuration and exit'
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -f -a "run" -d 'Run the server: the same as `irma server` (as the reference\'s `irma server run`)'
complete -c irma -n "__fish_irma_using_subcommand server; and not __fish_seen_subcommand_from check run help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -s c -l config -d 'Path to configuration file (JSON, TOML or YAML)' -r -F
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -s s -l schemes-path -d 'Path to irma_configuration [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration, filled with the built-in irma-demo and pbdf]' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l schemes-assets-path -d 'If specified, copy schemes from here into --schemes-path when missing there or newer [default: ~/.local/share/irma/irma_configuration_assets if it exists]' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l schemes-update -d 'Update schemes every x minutes (0 to disable)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -s k -l privkeys -d 'Path to IRMA private keys' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l skip-private-keys-check -d 'Whether to skip checking if the private keys that are required for issuing are present' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -s u -l url -d 'External URL to server to which the IRMA client connects, ":port" being replaced by --port value' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -s p -l port -d 'Port at which to listen' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -s l -l listen-addr -d 'Address at which to listen (default 0.0.0.0)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -s a -l api-prefix -d 'Prefix API endpoints with this string, e.g. POST /session becomes POST {api-prefix}/session' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l client-port -d 'If specified, start a separate server for the IRMA app at this port' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l client-listen-addr -d 'Address at which server for IRMA app listens' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l metrics-port -d 'If specified, serve /metrics (and /ready, /health) on this port instead of on the requestor port' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l metrics-listen-addr -d 'Address at which the metrics listener listens (default 0.0.0.0)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l shutdown-timeout -d 'On SIGTERM, keep serving the sessions already started for at most this many seconds (default 60)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l max-connections -d 'Most connections each listener serves at once; more wait in the accept backlog [default: 4096, less when the open-file limit is lower]' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l static-path -d 'Host files under this path as static files (leave empty to disable)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l static-prefix -d 'Host static files under this URL prefix (default "/")' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l sse -d 'Enable server sent for status updates (experimental)' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l tls-cert -d 'TLS certificate (chain)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l tls-cert-file -d 'Path to TLS certificate (chain)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l tls-privkey -d 'TLS private key' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l tls-privkey-file -d 'Path to TLS private key' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l client-tls-cert -d 'TLS certificate (chain) for the IRMA app server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l client-tls-cert-file -d 'Path to TLS certificate (chain) for the IRMA app server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l client-tls-privkey -d 'TLS private key for the IRMA app server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l client-tls-privkey-file -d 'Path to TLS private key for the IRMA app server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l no-tls -d 'Whether TLS is not needed for the requestor server, even in production mode' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l no-auth -d 'Whether or not to authenticate requestors (and reject all authenticated requests)' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l requestors -d 'Requestor configuration (in JSON)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l disclose-perms -d 'Comma-separated list of attributes that all requestors may verify (default "*")' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l sign-perms -d 'Comma-separated list of attributes that all requestors may request in signatures (default "*")' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l issue-perms -d 'Comma-separated list of attributes that all requestors may issue' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l revoke-perms -d 'Comma-separated list of credentials that all requestors may revoke' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l static-sessions -d 'Preconfigured static sessions (in JSON)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l max-request-age -d 'Max age in seconds of a session request JWT' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l jwt-leeway -d 'Clock-skew leeway in seconds for requestor JWTs (default 5)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l max-session-lifetime -d 'Maximum lifetime of a session, in minutes' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l session-result-lifetime -d 'Time in minutes for which a session result is kept after the session has finished' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -s j -l jwt-issuer -d 'JWT issuer' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l jwt-privkey -d 'JWT private key' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l jwt-privkey-file -d 'Path to JWT private key' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l allow-unsigned-callbacks -d 'Allow requests with callbacks or nextSession without a JWT private key' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l augment-client-return-url -d 'Whether to allow session requests to augment the client return URL' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l allow-private-callbacks -d 'In production mode, allow callback and nextSession URLs that resolve to loopback, link-local or private addresses' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l store-type -d 'Specifies how session state will be saved on the server (memory or redis)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-addr -d 'Redis address, to be specified as host:port' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-sentinel-addrs -d 'Redis Sentinel addresses, to be specified as host:port (comma-separated)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-sentinel-master-name -d 'Redis Sentinel master name' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-accept-inconsistency-risk -d 'Accept the risk of inconsistent session state with Redis Sentinel or cluster' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-username -d 'Redis server username (when using ACLs)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-pw -d 'Redis server password' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-sentinel-username -d 'Redis Sentinel username (when using ACLs)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-sentinel-pw -d 'Redis Sentinel password' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-allow-empty-password -d 'Explicitly allow an empty string as Redis password' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-acl-use-key-prefixes -d 'Prefix every Redis key with the username (when using ACLs)' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-db -d 'Redis database to be selected after connecting to the server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-tls-cert -d 'Redis TLS certificate (PEM) of the server or its CA' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-tls-cert-file -d 'Path to the Redis TLS certificate (PEM) of the server or its CA' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-tls-client-cert-file -d 'Path to the Redis TLS client certificate (for mutual TLS)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-tls-client-key-file -d 'Path to the Redis TLS client key (for mutual TLS)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-no-tls -d 'Disable TLS to Redis (plain TCP)' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l redis-key-prefix -d 'Prefix of every Redis key and channel, so one Redis can serve several deployments' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l revocation-db-type -d 'Database type for revocation: postgres, mysql, or sqlite (the default for a revocation server or authority: revocation.db in the data folder)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l revocation-db-str -d 'Connection string for the revocation database (postgres: "host=… port=… user=… dbname=…" or a postgres:// URL; mysql: "user:password@tcp(host:port)/db"; sqlite: a file)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l revocation-settings -d 'Revocation settings per credential type, in JSON: {"CREDTYPE": {"authority": true}} or {"server", "revocation_server_url", "tolerance", "sse"}' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l production -d 'Production mode' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l log-json -d 'Log in JSON format' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -s e -l email -d 'Accepted for compatibility and ignored: this server sends no email' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l no-email -d 'Accepted for compatibility and ignored: this server sends no email' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l sdjwtvc-issuer-certificates-dir -d 'SD-JWT VC issuer certificates directory (not supported: refused when set)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -l sdjwtvc-issuer-private-keys-dir -d 'SD-JWT VC issuer private keys directory (not supported: refused when set)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -s c -l config -d 'Path to configuration file (JSON, TOML or YAML)' -r -F
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -s s -l schemes-path -d 'Path to irma_configuration [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration, filled with the built-in irma-demo and pbdf]' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l schemes-assets-path -d 'If specified, copy schemes from here into --schemes-path when missing there or newer [default: ~/.local/share/irma/irma_configuration_assets if it exists]' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l schemes-update -d 'Update schemes every x minutes (0 to disable)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -s k -l privkeys -d 'Path to IRMA private keys' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l skip-private-keys-check -d 'Whether to skip checking if the private keys that are required for issuing are present' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -s u -l url -d 'External URL to server to which the IRMA client connects, ":port" being replaced by --port value' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -s p -l port -d 'Port at which to listen' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -s l -l listen-addr -d 'Address at which to listen (default 0.0.0.0)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -s a -l api-prefix -d 'Prefix API endpoints with this string, e.g. POST /session becomes POST {api-prefix}/session' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l client-port -d 'If specified, start a separate server for the IRMA app at this port' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l client-listen-addr -d 'Address at which server for IRMA app listens' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l metrics-port -d 'If specified, serve /metrics (and /ready, /health) on this port instead of on the requestor port' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l metrics-listen-addr -d 'Address at which the metrics listener listens (default 0.0.0.0)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l shutdown-timeout -d 'On SIGTERM, keep serving the sessions already started for at most this many seconds (default 60)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l max-connections -d 'Most connections each listener serves at once; more wait in the accept backlog [default: 4096, less when the open-file limit is lower]' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l static-path -d 'Host files under this path as static files (leave empty to disable)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l static-prefix -d 'Host static files under this URL prefix (default "/")' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l sse -d 'Enable server sent for status updates (experimental)' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l tls-cert -d 'TLS certificate (chain)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l tls-cert-file -d 'Path to TLS certificate (chain)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l tls-privkey -d 'TLS private key' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l tls-privkey-file -d 'Path to TLS private key' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l client-tls-cert -d 'TLS certificate (chain) for the IRMA app server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l client-tls-cert-file -d 'Path to TLS certificate (chain) for the IRMA app server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l client-tls-privkey -d 'TLS private key for the IRMA app server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l client-tls-privkey-file -d 'Path to TLS private key for the IRMA app server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l no-tls -d 'Whether TLS is not needed for the requestor server, even in production mode' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l no-auth -d 'Whether or not to authenticate requestors (and reject all authenticated requests)' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l requestors -d 'Requestor configuration (in JSON)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l disclose-perms -d 'Comma-separated list of attributes that all requestors may verify (default "*")' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l sign-perms -d 'Comma-separated list of attributes that all requestors may request in signatures (default "*")' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l issue-perms -d 'Comma-separated list of attributes that all requestors may issue' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l revoke-perms -d 'Comma-separated list of credentials that all requestors may revoke' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l static-sessions -d 'Preconfigured static sessions (in JSON)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l max-request-age -d 'Max age in seconds of a session request JWT' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l jwt-leeway -d 'Clock-skew leeway in seconds for requestor JWTs (default 5)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l max-session-lifetime -d 'Maximum lifetime of a session, in minutes' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l session-result-lifetime -d 'Time in minutes for which a session result is kept after the session has finished' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -s j -l jwt-issuer -d 'JWT issuer' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l jwt-privkey -d 'JWT private key' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l jwt-privkey-file -d 'Path to JWT private key' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l allow-unsigned-callbacks -d 'Allow requests with callbacks or nextSession without a JWT private key' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l augment-client-return-url -d 'Whether to allow session requests to augment the client return URL' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l allow-private-callbacks -d 'In production mode, allow callback and nextSession URLs that resolve to loopback, link-local or private addresses' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l store-type -d 'Specifies how session state will be saved on the server (memory or redis)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-addr -d 'Redis address, to be specified as host:port' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-sentinel-addrs -d 'Redis Sentinel addresses, to be specified as host:port (comma-separated)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-sentinel-master-name -d 'Redis Sentinel master name' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-accept-inconsistency-risk -d 'Accept the risk of inconsistent session state with Redis Sentinel or cluster' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-username -d 'Redis server username (when using ACLs)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-pw -d 'Redis server password' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-sentinel-username -d 'Redis Sentinel username (when using ACLs)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-sentinel-pw -d 'Redis Sentinel password' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-allow-empty-password -d 'Explicitly allow an empty string as Redis password' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-acl-use-key-prefixes -d 'Prefix every Redis key with the username (when using ACLs)' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-db -d 'Redis database to be selected after connecting to the server' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-tls-cert -d 'Redis TLS certificate (PEM) of the server or its CA' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-tls-cert-file -d 'Path to the Redis TLS certificate (PEM) of the server or its CA' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-tls-client-cert-file -d 'Path to the Redis TLS client certificate (for mutual TLS)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-tls-client-key-file -d 'Path to the Redis TLS client key (for mutual TLS)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-no-tls -d 'Disable TLS to Redis (plain TCP)' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l redis-key-prefix -d 'Prefix of every Redis key and channel, so one Redis can serve several deployments' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l revocation-db-type -d 'Database type for revocation: postgres, mysql, or sqlite (the default for a revocation server or authority: revocation.db in the data folder)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l revocation-db-str -d 'Connection string for the revocation database (postgres: "host=… port=… user=… dbname=…" or a postgres:// URL; mysql: "user:password@tcp(host:port)/db"; sqlite: a file)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l revocation-settings -d 'Revocation settings per credential type, in JSON: {"CREDTYPE": {"authority": true}} or {"server", "revocation_server_url", "tolerance", "sse"}' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l production -d 'Production mode' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l log-json -d 'Log in JSON format' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -s e -l email -d 'Accepted for compatibility and ignored: this server sends no email' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l no-email -d 'Accepted for compatibility and ignored: this server sends no email' -r -f -a "true\t''
false\t''"
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l sdjwtvc-issuer-certificates-dir -d 'SD-JWT VC issuer certificates directory (not supported: refused when set)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -l sdjwtvc-issuer-private-keys-dir -d 'SD-JWT VC issuer private keys directory (not supported: refused when set)' -r
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from run" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from help" -f -a "check" -d 'Check the server configuration and exit'
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from help" -f -a "run" -d 'Run the server: the same as `irma server` (as the reference\'s `irma server run`)'
complete -c irma -n "__fish_irma_using_subcommand server; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand wallet; and not __fish_seen_subcommand_from session enroll list remove export import help" -l storage -d 'The wallet directory [default: $IRMA_WALLET_DIR, else ~/.local/share/irma/wallet]' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and not __fish_seen_subcommand_from session enroll list remove export import help" -l schemes-path -d 'Schemes folder [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration]' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and not __fish_seen_subcommand_from session enroll list remove export import help" -l pin-file -d 'File holding the keyshare PIN (`-` for stdin) [default: $IRMA_WALLET_PIN]: for enrollment, and for sessions with credentials of a keyshare scheme' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and not __fish_seen_subcommand_from session enroll list remove export import help" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand wallet; and not __fish_seen_subcommand_from session enroll list remove export import help" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand wallet; and not __fish_seen_subcommand_from session enroll list remove export import help" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand wallet; and not __fish_seen_subcommand_from session enroll list remove export import help" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand wallet; and not __fish_seen_subcommand_from session enroll list remove export import help" -f -a "session" -d 'Perform a session as the Yivi app does: disclose, sign, or receive credentials'
complete -c irma -n "__fish_irma_using_subcommand wallet; and not __fish_seen_subcommand_from session enroll list remove export import help" -f -a "enroll" -d 'Enroll at the keyshare server of a scheme (e.g. pbdf) with a PIN (`--pin-file` or $IRMA_WALLET_PIN, at least 5 characters), as the Yivi app does at first start'
complete -c irma -n "__fish_irma_using_subcommand wallet; and not __fish_seen_subcommand_from session enroll list remove export import help" -f -a "list" -d 'List the credentials: attributes, issuer, key counter, signing date and expiry'
complete -c irma -n "__fish_irma_using_subcommand wallet; and not __fish_seen_subcommand_from session enroll list remove export import help" -f -a "remove" -d 'Remove a credential, named by its hash (or a unique prefix of 6 or more characters), or by its credential type when the wallet holds exactly one'
complete -c irma -n "__fish_irma_using_subcommand wallet; and not __fish_seen_subcommand_from session enroll list remove export import help" -f -a "export" -d 'Print the whole wallet, secret key included, in the reference\'s dump format (`irma wallet import` reads it back). Keep the output secret'
complete -c irma -n "__fish_irma_using_subcommand wallet; and not __fish_seen_subcommand_from session enroll list remove export import help" -f -a "import" -d 'Import a wallet dump: the secret key and credentials (for example the reference\'s credentials/wallet-P.json). Every credential must verify over the dump\'s secret key; a wallet that already holds credentials must have the same key'
complete -c irma -n "__fish_irma_using_subcommand wallet; and not __fish_seen_subcommand_from session enroll list remove export import help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from session" -l choose -d 'Option index per disjunction of the request, comma separated (e.g. `0,1`)' -r
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from session" -l pairing-code -d 'The pairing code shown by the frontend, to check against the server\'s; `-` reads it from stdin. Without it the code is printed on stderr and the wallet waits' -r
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from session" -l pairing-timeout -d 'How long to wait for the frontend to complete pairing, in seconds' -r
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from session" -l timestamp -d 'Atum timestamps on attribute-based signatures' -r -f -a "on\t'Ask the scheme\'s timestamp server; sign without a timestamp when it does not answer'
off\t'Never ask'"
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from session" -l storage -d 'The wallet directory [default: $IRMA_WALLET_DIR, else ~/.local/share/irma/wallet]' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from session" -l schemes-path -d 'Schemes folder [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration]' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from session" -l pin-file -d 'File holding the keyshare PIN (`-` for stdin) [default: $IRMA_WALLET_PIN]: for enrollment, and for sessions with credentials of a keyshare scheme' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from session" -l deny -d 'Refuse the session (the server marks it CANCELLED)'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from session" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from session" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from session" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from session" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from enroll" -l storage -d 'The wallet directory [default: $IRMA_WALLET_DIR, else ~/.local/share/irma/wallet]' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from enroll" -l schemes-path -d 'Schemes folder [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration]' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from enroll" -l pin-file -d 'File holding the keyshare PIN (`-` for stdin) [default: $IRMA_WALLET_PIN]: for enrollment, and for sessions with credentials of a keyshare scheme' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from enroll" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from enroll" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from enroll" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from enroll" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from list" -l storage -d 'The wallet directory [default: $IRMA_WALLET_DIR, else ~/.local/share/irma/wallet]' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from list" -l schemes-path -d 'Schemes folder [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration]' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from list" -l pin-file -d 'File holding the keyshare PIN (`-` for stdin) [default: $IRMA_WALLET_PIN]: for enrollment, and for sessions with credentials of a keyshare scheme' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from list" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from remove" -l storage -d 'The wallet directory [default: $IRMA_WALLET_DIR, else ~/.local/share/irma/wallet]' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from remove" -l schemes-path -d 'Schemes folder [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration]' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from remove" -l pin-file -d 'File holding the keyshare PIN (`-` for stdin) [default: $IRMA_WALLET_PIN]: for enrollment, and for sessions with credentials of a keyshare scheme' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from export" -l storage -d 'The wallet directory [default: $IRMA_WALLET_DIR, else ~/.local/share/irma/wallet]' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from export" -l schemes-path -d 'Schemes folder [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration]' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from export" -l pin-file -d 'File holding the keyshare PIN (`-` for stdin) [default: $IRMA_WALLET_PIN]: for enrollment, and for sessions with credentials of a keyshare scheme' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from export" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from export" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from import" -l storage -d 'The wallet directory [default: $IRMA_WALLET_DIR, else ~/.local/share/irma/wallet]' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from import" -l schemes-path -d 'Schemes folder [default: $IRMA_SCHEMES_PATH, else ~/.local/share/irma/irma_configuration]' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from import" -l pin-file -d 'File holding the keyshare PIN (`-` for stdin) [default: $IRMA_WALLET_PIN]: for enrollment, and for sessions with credentials of a keyshare scheme' -r -F
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from import" -s v -l verbose -d 'More log output (repeat for more)'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from import" -s q -l quiet -d 'No log output'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from import" -s V -l version -d 'Print version'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "session" -d 'Perform a session as the Yivi app does: disclose, sign, or receive credentials'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "enroll" -d 'Enroll at the keyshare server of a scheme (e.g. pbdf) with a PIN (`--pin-file` or $IRMA_WALLET_PIN, at least 5 characters), as the Yivi app does at first start'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the credentials: attributes, issuer, key counter, signing date and expiry'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a credential, named by its hash (or a unique prefix of 6 or more characters), or by its credential type when the wallet holds exactly one'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "export" -d 'Print the whole wallet, secret key included, in the reference\'s dump format (`irma wallet import` reads it back). Keep the output secret'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "import" -d 'Import a wallet dump: the secret key and credentials (for example the reference\'s credentials/wallet-P.json). Every credential must verify over the dump\'s secret key; a wallet that already holds credentials must have the same key'
complete -c irma -n "__fish_irma_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate completion scheme issuer jwt meta signature session request server wallet help" -f -a "version" -d 'Print version information: the reference\'s lines (version, OS/architecture), then ours'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate completion scheme issuer jwt meta signature session request server wallet help" -f -a "generate" -d 'Generate shell completions and man pages from this command line'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate completion scheme issuer jwt meta signature session request server wallet help" -f -a "completion" -d 'Print the completion script for a shell (cobra\'s `completion` command)'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate completion scheme issuer jwt meta signature session request server wallet help" -f -a "scheme" -d 'Manage credential schemes: verify, sign, keygen, keycopy, download, update'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate completion scheme issuer jwt meta signature session request server wallet help" -f -a "issuer" -d 'Manage Idemix issuer keys, and revoke credentials (the same as `irma scheme issuer`)'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate completion scheme issuer jwt meta signature session request server wallet help" -f -a "jwt" -d 'Sign requestor JWTs and verify IRMA JWTs (requests, results)'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate completion scheme issuer jwt meta signature session request server wallet help" -f -a "meta" -d 'Show what a credential\'s metadata attribute says: type, dates, key'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate completion scheme issuer jwt meta signature session request server wallet help" -f -a "signature" -d 'Verify attribute-based signatures offline'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate completion scheme issuer jwt meta signature session request server wallet help" -f -a "session" -d 'Perform an IRMA disclosure, issuance or signature session, or act on one'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate completion scheme issuer jwt meta signature session request server wallet help" -f -a "request" -d 'Generate an IRMA session request: JSON, or a signed JWT with -a hmac|rsa'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate completion scheme issuer jwt meta signature session request server wallet help" -f -a "server" -d 'Run the IRMA server (the requestor API, and the app and frontend API under /irma), or check its configuration (`irma server check`)'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate completion scheme issuer jwt meta signature session request server wallet help" -f -a "wallet" -d 'A headless IRMA app: perform sessions, list, import and export credentials'
complete -c irma -n "__fish_irma_using_subcommand help; and not __fish_seen_subcommand_from version generate completion scheme issuer jwt meta signature session request server wallet help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "completions" -d 'Write shell completion scripts (bash, zsh, fish)'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from generate" -f -a "man" -d 'Write man pages, one per command, into a directory'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from scheme" -f -a "verify" -d 'Verify a scheme folder or a folder of schemes: signature, index, every file hash, descriptions and keys'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from scheme" -f -a "sign" -d 'Sign a scheme folder: write timestamp, index, index.sig and pk.pem, then verify'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from scheme" -f -a "keygen" -d 'Generate an ECDSA P-256 key pair for signing schemes. Never overwrites files'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from scheme" -f -a "keycopy" -d 'Copy a scheme private key under a new passphrase (or, with --pass=false, without one). Never overwrites files'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from scheme" -f -a "download" -d 'Download schemes into an irma_configuration folder'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from scheme" -f -a "update" -d 'Update schemes from their URLs when the remote timestamp is newer, downloading only changed files; each scheme is replaced atomically'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from scheme" -f -a "issuer" -d 'Manage Idemix issuer keys'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from issuer" -f -a "keygen" -d 'Generate a new IRMA issuer private/public keypair'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from issuer" -f -a "revocation-keypair" -d 'Augment an IRMA private-public keypair with revocation key material'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from issuer" -f -a "revoke" -d 'Revoke a previously issued credential identified by a given key'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from jwt" -f -a "sign" -d 'Sign a session request (JSON) as a requestor JWT, as `irma request -a hmac|rsa` does'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from jwt" -f -a "verify" -d 'Show a JWT, say what it is, and check its signature and times'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from signature" -f -a "verify" -d 'Verify an attribute-based signature offline (like irmago `SignedMessage.Verify`)'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "status" -d 'Print the status of a session'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "result" -d 'Print the result of a session; the exit status says how it ended'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "cancel" -d 'Cancel a session'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from server" -f -a "check" -d 'Check the server configuration and exit'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from server" -f -a "run" -d 'Run the server: the same as `irma server` (as the reference\'s `irma server run`)'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "session" -d 'Perform a session as the Yivi app does: disclose, sign, or receive credentials'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "enroll" -d 'Enroll at the keyshare server of a scheme (e.g. pbdf) with a PIN (`--pin-file` or $IRMA_WALLET_PIN, at least 5 characters), as the Yivi app does at first start'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "list" -d 'List the credentials: attributes, issuer, key counter, signing date and expiry'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "remove" -d 'Remove a credential, named by its hash (or a unique prefix of 6 or more characters), or by its credential type when the wallet holds exactly one'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "export" -d 'Print the whole wallet, secret key included, in the reference\'s dump format (`irma wallet import` reads it back). Keep the output secret'
complete -c irma -n "__fish_irma_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "import" -d 'Import a wallet dump: the secret key and credentials (for example the reference\'s credentials/wallet-P.json). Every credential must verify over the dump\'s secret key; a wallet that already holds credentials must have the same key'
