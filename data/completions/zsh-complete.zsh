#!/usr/bin/env zsh
# zsh-complete.zsh DIR LINE...: types each LINE, then Tab, into an interactive zsh in a
# pseudo-terminal that has the completion functions of DIR first in its fpath, and
# prints "=== N" and what the terminal showed, for check-completions.py to read.
emulate -L zsh
zmodload zsh/zpty || { print -u2 "zsh has no zpty module"; exit 2 }
dir=$1
shift

# Read what the terminal shows until it has been quiet for half a second (5 s at most).
read_quiet() {
  local chunk quiet=0 n
  out=
  for n in {1..50}; do
    sleep 0.1
    if zpty -rt z chunk 2>/dev/null; then
      out+=$chunk
      while zpty -rt z chunk 2>/dev/null; do out+=$chunk; done
      quiet=0
    elif (( ++quiet >= 5 )); then
      break
    fi
  done
}

zpty z 'zsh -f -i'
zpty -w z "PS1='%% '; fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D; LISTMAX=10000; unsetopt beep; zstyle ':completion:*' list-separator '@@'; print SET''UP-DONE"
# compinit takes a moment: wait for the line it prints when done (10 s at most)
out=
for i in {1..100}; do
  zpty -rt z chunk 2>/dev/null && out+=$chunk
  [[ $out == *SETUP-DONE* ]] && break
  sleep 0.1
done
read_quiet
for i in {1..$#}; do
  zpty -w -n z "${argv[i]}"$'\t'
  read_quiet
  print -r -- "=== $i"
  print -r -- "$out"
  zpty -w -n z $'\C-e\C-u'
  read_quiet
done
zpty -d z
