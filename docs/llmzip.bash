# bash completion for llmzip. Generated from cli/args.cc by cli/gen_docs.cc: build/cli/llmzip_docs bash
_llmzip() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd=compress w
  for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case $w in
      compress|-z) cmd=compress ;;
      decompress|-d|--decompress|--uncompress|-d?*) cmd=decompress ;;
      test|-t|--test) cmd=test ;;
      list|-l|--list) cmd=list ;;
      info) cmd=info ;;
      tokenize) cmd=tokenize ;;
      score) cmd=score ;;
      distance) cmd=distance ;;
      similar) cmd=similar ;;
      classify) cmd=classify ;;
      bench) cmd=bench ;;
      --) break ;;
    esac
  done
  case $prev in
    -o|--output|-m|--model|--tokens|--html|--csv|--markdown|--chart) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --method) COMPREPLY=($(compgen -W "ac rank-zlib tbyt" -- "$cur")); return ;;
    -S|--suffix|-T|--threads|--context|--frame-bytes|--max-frame|--sweep-context|--neighbours|--neighbors) return ;;
  esac
  local opts
  case $cmd in
    compress) opts="-z --compress -c --stdout -o --output -f --force -k --keep --rm --verify -S --suffix -r --recursive -m --model -T --threads --fast --best --ultra --context --frame-bytes --max-frame --adapt --no-adapt --method --progress --no-progress -v --verbose -q --quiet -h --help -V --version" ;;
    decompress) opts="-d --decompress --uncompress -c --stdout -o --output -f --force -k --keep --rm -S --suffix -r --recursive -m --model -T --threads --max-frame --progress --no-progress -v --verbose -q --quiet -h --help -V --version" ;;
    test) opts="-t --test -f --force -S --suffix -r --recursive -m --model -T --threads --max-frame --progress --no-progress -v --verbose -q --quiet -h --help -V --version" ;;
    list) opts="-l --list -S --suffix -r --recursive --json -v --verbose -q --quiet -h --help -V --version" ;;
    info) opts="--json -v --verbose -q --quiet -h --help -V --version" ;;
    tokenize) opts="-m --model --json -v --verbose -q --quiet -h --help -V --version" ;;
    score) opts="-f --force -m --model -T --threads --context --frame-bytes --adapt --no-adapt --json --sweep-context --tokens --html -v --verbose -q --quiet -h --help -V --version" ;;
    distance) opts="-m --model -T --threads --context --adapt --no-adapt --json -v --verbose -q --quiet -h --help -V --version" ;;
    similar) opts="-m --model -T --threads --context --adapt --no-adapt --json -v --verbose -q --quiet -h --help -V --version" ;;
    classify) opts="-m --model -T --threads --context --adapt --no-adapt --json --neighbours --neighbors -v --verbose -q --quiet -h --help -V --version" ;;
    bench) opts="-f --force -m --model -T --threads --json --csv --markdown --chart -v --verbose -q --quiet -h --help -V --version" ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "compress decompress test list info tokenize score distance similar classify bench help version" -- "$cur") $(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _llmzip llmzip
