/**
 * The text of the completion scripts: one `_nodewarden_spec` function over
 * the command tree (sub-verbs, flags, positional values per command path),
 * and the bash or zsh function that walks the words typed so far with it.
 */

/** The hidden verb the scripts call back into. */
export const COMPLETE_VERB = '__complete';

/** What one command of the tree completes: sub-verbs, flags, and its positional values. */
export interface CompletionEntry {
  /** Space-separated path from the program: '' (the program), 'status', 'config check'. */
  readonly path: string;
  readonly subs: string[];
  readonly flags: string[];
  /** Flags that take a value (the next word is theirs, not a positional). */
  readonly valueFlags: string[];
  /** How many positionals it takes ('*' for a variadic one), and what completes them. */
  readonly args: { max: number | '*'; words: string[] } | null;
}

/** The shell function answering `kind path` → words, as `case` arms (shared by bash and zsh). */
function specFunction(entries: readonly CompletionEntry[]): string {
  const arms: string[] = [];
  const arm = (kind: string, p: string, words: readonly string[]): void => {
    if (words.length > 0) arms.push(`    '${kind}:${p}') echo '${words.join(' ')}' ;;`);
  };
  for (const e of entries) {
    arm('subs', e.path, e.subs);
    arm('flags', e.path, e.flags);
    arm('values', e.path, e.valueFlags);
    if (e.args) arm('args', e.path, [String(e.args.max), ...e.args.words]);
  }
  return ['_nodewarden_spec() {', '  case "$1:$2" in', ...arms, '  esac', '}'].join('\n');
}

/**
 * The shell function turning a word of the spec into completions: `@nodes`
 * and `@targets` call back into nodewarden (with the `--config` typed so
 * far), any other word completes as itself. The same in bash and zsh.
 */
const WORDS_FUNCTION = `_nodewarden_words() {
  case "$1" in
    @nodes) "$nw" "\${cfg[@]}" ${COMPLETE_VERB} nodes 2>/dev/null ;;
    @targets) "$nw" "\${cfg[@]}" ${COMPLETE_VERB} nodes 2>/dev/null; echo all ;;
    *) echo "$1" ;;
  esac
}`;

/**
 * Both scripts walk the words before the cursor the same way: `--config DIR`
 * (or `-c DIR`, `--config=DIR`) is remembered for the call back, a flag that
 * takes a value skips that value, a sub-verb extends the command path, and
 * every other word counts as a positional of the command reached. The loop
 * runs over `words[first]` up to the cursor `words[end]` (the two shells name
 * the array and the cursor differently, and zsh counts from 1).
 */
function walkWords(words: string, first: number, end: string): string {
  return `  for ((i = ${first}; i < ${end}; i++)); do
    w="\${${words}[i]}"
    case "$w" in
      -c | --config)
        ((i + 1 < ${end})) && cfg=(--config "\${${words}[i+1]/#\\~/$HOME}")
        ((i++))
        continue
        ;;
      --config=*) w="\${w#--config=}"; cfg=(--config "\${w/#\\~/$HOME}"); continue ;;
      --*=*) continue ;;
      -*)
        [[ " $(_nodewarden_spec values "$at") " == *" $w "* ]] && ((i++))
        continue
        ;;
    esac
    if ((n == 0)) && [[ " $(_nodewarden_spec subs "$at") " == *" $w "* ]]; then
      at="\${at:+$at }$w"
    else
      ((n++))
    fi
  done`;
}

export function bashScript(entries: readonly CompletionEntry[]): string {
  return `# nodewarden completion for bash. Load it with:
#   source <(nodewarden completion bash)
# or save it as /etc/bash_completion.d/nodewarden.
${specFunction(entries)}

${WORDS_FUNCTION}

_nodewarden() {
  local nw="\${COMP_WORDS[0]}" cur="\${COMP_WORDS[COMP_CWORD]}" prev="" at="" w i n=0 words=""
  local -a spec
  local -a cfg=()
  ((COMP_CWORD > 0)) && prev="\${COMP_WORDS[COMP_CWORD-1]}"
${walkWords('COMP_WORDS', 1, 'COMP_CWORD')}
  COMPREPLY=()
  case "$prev" in
    -c | --config) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return 0 ;;
    --node) mapfile -t COMPREPLY < <(compgen -W "$(_nodewarden_words @nodes)" -- "$cur"); return 0 ;;
  esac
  if [[ "$prev" == -* && " $(_nodewarden_spec values "$at") " == *" $prev "* ]]; then return 0; fi
  if [[ "$cur" == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_nodewarden_spec flags "$at")" -- "$cur")
    return 0
  fi
  if ((n == 0)); then words="$(_nodewarden_spec subs "$at")"; fi
  if [[ -z "$words" ]]; then
    read -ra spec <<<"$(_nodewarden_spec args "$at")"
    if [[ "\${spec[0]}" == "*" ]] || ((n < \${spec[0]:-0})); then
      for w in "\${spec[@]:1}"; do words+=" $(_nodewarden_words "$w")"; done
    fi
  fi
  mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
  return 0
}

complete -F _nodewarden nodewarden
`;
}

export function zshScript(entries: readonly CompletionEntry[]): string {
  // zsh arrays start at 1 and \`path\` is tied to PATH there, hence \`at\` for the command path.
  return `# nodewarden completion for zsh. Load it after compinit with:
#   source <(nodewarden completion zsh)
${specFunction(entries)}

${WORDS_FUNCTION}

_nodewarden() {
  local nw="\${words[1]}" cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}" at="" w i n=0 list=""
  local -a cfg spec
  cfg=()
${walkWords('words', 2, 'CURRENT')}
  case "$prev" in
    -c | --config) _files -/; return ;;
    --node) compadd -- \${(f)"$(_nodewarden_words @nodes)"}; return ;;
  esac
  if [[ "$prev" == -* && " $(_nodewarden_spec values "$at") " == *" $prev "* ]]; then return 1; fi
  if [[ "$cur" == -* ]]; then
    compadd -- \${(s: :)"$(_nodewarden_spec flags "$at")"}
    return
  fi
  if ((n == 0)); then list="$(_nodewarden_spec subs "$at")"; fi
  if [[ -z "$list" ]]; then
    spec=(\${(s: :)"$(_nodewarden_spec args "$at")"})
    if [[ "\${spec[1]}" == "*" ]] || ((n < \${spec[1]:-0})); then
      for w in "\${(@)spec[2,-1]}"; do list+=" $(_nodewarden_words "$w")"; done
    fi
  fi
  compadd -- \${=list}
}

compdef _nodewarden nodewarden
`;
}
