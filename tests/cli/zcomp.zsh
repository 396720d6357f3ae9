# SPDX-License-Identifier: ISC
# zcomp.zsh FPATHDIR OUT WORDS -- runs an interactive zsh in a pseudo-terminal
# with the completion functions of FPATHDIR, types WORDS and <Tab>, and
# writes to OUT every match the completion offered, one a line.
zmodload zsh/zpty || exit 77
fdir=$1 out=$2 words=$3
: > $out
rm -f $out.ready $out.done
zpty z zsh -f -i
zpty -w z "fpath=(${(q)fdir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "compadd() { local -a h; builtin compadd -A h \"\$@\"; print -rl -- \$h >> ${(q)out}; builtin compadd \"\$@\" }"
zpty -w z "touch ${(q)out}.ready"
# Completion runs inside the line editor, so the keys typed after <Tab>
# (^U clears the line) are read only once it has finished.
for i in {1..300}; do [[ -e $out.ready ]] && break; sleep 0.1; done
zpty -n -w z "$words"$'\t'
zpty -n -w z $'\C-u'
zpty -w z "touch ${(q)out}.done"
for i in {1..300}; do [[ -e $out.done ]] && break; sleep 0.1; done
zpty -d z
[[ -e $out.done ]] || { print -u2 "zcomp: zsh did not finish"; exit 1 }
rm -f $out.ready $out.done
