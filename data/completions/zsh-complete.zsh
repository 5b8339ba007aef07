#!/usr/bin/env zsh
# zsh-complete.zsh DIR LINE...: types each LINE, then Tab, into an interactive zsh in a
# pseudo-terminal that has the completion functions of DIR first in its fpath, and
# prints "=== N" and what the terminal showed, for check-completions.py to read.
emulate -L zsh
zmodload zsh/zpty || { print -u2 "zsh has no zpty module"; exit 2 }
dir=$1
shift

# Read what the terminal shows until the marker MARK (printed by a command typed after
# the keys of interest: zle handles keys in order, so all the completion showed comes
# before it). 120 s at most: a safety net, not a wait for quiet.
read_until() {
  local chunk n
  out=
  for n in {1..1200}; do
    while zpty -rt z chunk 2>/dev/null; do out+=$chunk; done
    [[ $out == *"$1"* ]] && return 0
    sleep 0.1
  done
  return 1
}

zpty z 'zsh -f -i'
zpty -w z "PS1='%% '; fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D; LISTMAX=10000; unsetopt beep; zstyle ':completion:*' list-separator '@@'; print SET''UP-DONE"
# compinit takes a moment: wait for the line it prints when done
read_until SETUP-DONE || { print -u2 "zsh did not finish its set-up"; exit 3 }
for i in {1..$#}; do
  # The line and Tab; then the line cleared and a command that prints the marker (typed
  # with its letters apart, so that its echo is not the marker).
  zpty -w -n z "${argv[i]}"$'\t'
  zpty -w -n z $'\C-e\C-u'"print MA''RK-$i"$'\n'
  read_until "MARK-$i" || { print -u2 "no marker $i from zsh"; exit 3 }
  print -r -- "=== $i"
  print -r -- "${out%%MARK-$i*}"
done
zpty -d z
