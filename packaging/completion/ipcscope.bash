# bash completion for ipcscope(1)
#
# Commands, options, kinds, groups, columns and gen mechanisms come from the binary being
# completed (its --help, each COMMAND --help, list --list-types, --list-columns, gen --list),
# so they follow whatever that binary knows. Live identities, ids, keys and names come from
# `ipcscope list -n -r -o COLUMN`, one scan.

# _ipcscope_bin: the binary on the command line (./build/ipcscope completes from itself),
# else ipcscope from PATH.
_ipcscope_bin()
{
	local b=${_ipcscope_words[0]}
	b=${b/#\~/$HOME}
	[[ $b == */* && -x $b ]] || b=ipcscope
	printf '%s' "$b"
}

_ipcscope_commands()
{
	"$(_ipcscope_bin)" --help 2>/dev/null |
		awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'
}

# _ipcscope_options CMD: every option of CMD's --help ("-t, --type KIND" gives -t and --type).
_ipcscope_options()
{
	"$(_ipcscope_bin)" "$1" --help 2>/dev/null |
		grep -oE -- '^ +(-[a-zA-Z0-9], )?--[a-z][a-z0-9-]*' | sed -E 's/^ +//; s/, /\n/'
}

# _ipcscope_argopts CMD: the options of CMD that take a value. In --help a value's name
# follows its option after one space ("--key KEY", "--id <id>", "--cpu same|split"), a
# description after two.
_ipcscope_argopts()
{
	"$(_ipcscope_bin)" "$1" --help 2>/dev/null |
		grep -oE -- '^ +(-[a-zA-Z0-9], )?--[a-z][a-z0-9-]* [^ ]' |
		sed -E 's/^ +//; s/ .$//; s/, /\n/'
}

_ipcscope_kinds()
{
	"$(_ipcscope_bin)" list --list-types 2>/dev/null | awk '{ print $1 }'
}

# Kinds and their groups: what -t takes.
_ipcscope_types()
{
	"$(_ipcscope_bin)" list --list-types 2>/dev/null | awk '{ print $1; if (!seen[$2]++) print $2 }'
}

_ipcscope_columns()
{
	"$(_ipcscope_bin)" list --list-columns 2>/dev/null | awk '{ print $1 }'
}

# The columns top sorts by: the upper-case words of its --help from "sort column:" to the
# line that says how to reverse.
_ipcscope_top_columns()
{
	"$(_ipcscope_bin)" top --help 2>/dev/null |
		awk '/sort column:/ { on = 1; sub(/.*sort column:/, "") } on { print } on && /direction/ { exit }' |
		sed 's/;.*//' | tr -s ' ' '\n' | grep -xE '[A-Z][A-Z%]+' | grep -vx COL
}

# _ipcscope_live KINDS COLUMN [NS]: COLUMN of every live object of KINDS (all kinds when
# empty); NS "self": only the caller's namespaces, which ipcs and ipcrm act on (as root a
# plain list reads every namespace of the host, whose ids would be offered too).
_ipcscope_live()
{
	local t=()
	[[ -n $1 ]] && t=(-t "$1")
	[[ ${3-} == self ]] && t+=(-N self)
	"$(_ipcscope_bin)" list "${t[@]}" -n -r -o "$2" 2>/dev/null | grep -vx -- -
}

# How show and rm name an object of a kind: System V objects by id, POSIX objects and FIFOs
# by name, pipes and sockets by inode.
_ipcscope_ref_column()
{
	case $1 in
	sysv-*) echo ID ;;
	posix-* | fifo) echo NAME ;;
	*) echo INODE ;;
	esac
}

# _ipcscope_reply CUR WORDS: COMPREPLY from WORDS. bash splits the word being completed at
# the characters of COMP_WORDBREAKS (':' among them), and an identity holds colons: what it
# inserts is the part after the last one.
_ipcscope_reply()
{
	local cur=$1 i strip
	COMPREPLY=($(compgen -W "$2" -- "$cur"))
	if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
		strip=${cur%"${cur##*:}"}
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$strip"}
		done
	fi
}

# _ipcscope_list CUR WORDS: complete the last item of a comma-separated list (and -o's
# leading '+'), keeping what comes before it.
_ipcscope_list()
{
	local cur=$1 prefix=
	if [[ $cur == *,* ]]; then
		prefix=${cur%,*},
		cur=${cur##*,}
	elif [[ $cur == +* ]]; then
		prefix=+
		cur=${cur#+}
	fi
	COMPREPLY=($(compgen -P "$prefix" -W "$2" -- "$cur"))
	compopt -o nospace 2>/dev/null
}

# _ipcscope_expr CUR: the start of a -Q expression is a column; an opening quote stays.
_ipcscope_expr()
{
	local cur=$1 q=
	if [[ $cur == [\"\']* ]]; then
		q=${cur:0:1}
		cur=${cur:1}
	fi
	COMPREPLY=($(compgen -P "$q" -W "$(_ipcscope_columns)" -- "$cur"))
	compopt -o nospace 2>/dev/null
}

_ipcscope()
{
	# Words as the user sees them, split at blanks only (bash's own COMP_WORDS are split at
	# ':' and '=' too, which cuts identities apart).
	local line=${COMP_LINE:0:COMP_POINT}
	local -a _ipcscope_words
	read -ra _ipcscope_words <<<"$line"
	[[ -z $line || $line == *[[:blank:]] ]] && _ipcscope_words+=("")
	local cword=$((${#_ipcscope_words[@]} - 1))
	local cur=${_ipcscope_words[cword]} prev=
	((cword > 0)) && prev=${_ipcscope_words[cword - 1]}
	local cmd=list first=1 i w
	COMPREPLY=()

	# The command is the first word when it is one; without one, the command is list.
	if ((cword > 1)) && [[ ${_ipcscope_words[1]} != -* ]]; then
		cmd=${_ipcscope_words[1]}
		first=2
	fi

	# A value for the option before it.
	local argopts
	argopts=" $(_ipcscope_argopts "$cmd" | tr '\n' ' ') "
	if ((cword > 1)) && [[ $argopts == *" $prev "* ]]; then
		case $cmd:$prev in
		*:-t | *:--type)
			_ipcscope_list "$cur" "$(_ipcscope_types)" ;;
		metrics:-o | metrics:--output)
			COMPREPLY=($(compgen -f -- "$cur"))
			compopt -o filenames 2>/dev/null ;;
		*:-o | *:--output)
			_ipcscope_list "$cur" "$(_ipcscope_columns)" ;;
		*:-Q | *:--filter)
			_ipcscope_expr "$cur" ;;
		list:-s | list:--sort)
			COMPREPLY=($(compgen -W "$(_ipcscope_columns) $(_ipcscope_columns | sed 's/^/-/')" -- "$cur")) ;;
		top:-s | top:--sort)
			# top's own columns, as its --help lists them after "sort column:".
			COMPREPLY=($(compgen -W "$(_ipcscope_top_columns)" -- "$cur")) ;;
		top:-d | top:--delay)
			COMPREPLY=($(compgen -W "0.5 1 2 5 10" -- "$cur")) ;;
		*:-u | *:--user)
			COMPREPLY=($(compgen -u -- "$cur")) ;;
		list:-p | list:--pid)
			COMPREPLY=($(compgen -W "$(cd /proc 2>/dev/null && printf '%s ' [0-9]*)" -- "$cur")) ;;
		*:--key)
			COMPREPLY=($(compgen -W "$(_ipcscope_live sysv KEY)" -- "$cur")) ;;
		*:--root | *:--backup | *:--web-root | *:--fifo-dir | *:--key-path)
			COMPREPLY=($(compgen -d -- "$cur"))
			compopt -o filenames 2>/dev/null ;;
		*:--token-file | *:--log | gen:--ftok)
			COMPREPLY=($(compgen -f -- "$cur"))
			compopt -o filenames 2>/dev/null ;;
		bench:--cpu)
			COMPREPLY=($(compgen -W "same split" -- "$cur")) ;;
		*:--time-format)
			COMPREPLY=($(compgen -W "short full iso" -- "$cur")) ;;
		*:--older-than)
			COMPREPLY=($(compgen -W "90s 15m 1h 6h 1d 2d 7d" -- "$cur")) ;;
		*:-N | *:--namespace)
			COMPREPLY=($(compgen -W "self" -- "$cur")) ;;
		serve:-l | serve:--listen)
			_ipcscope_reply "$cur" "127.0.0.1:9412 [::1]:9412 127.0.0.1:0" ;;
		ipcs:-i | ipcs:--id)
			COMPREPLY=($(compgen -W "$(_ipcscope_live sysv ID self)" -- "$cur")) ;;
		ipcrm:-m | ipcrm:--shmem-id)
			COMPREPLY=($(compgen -W "$(_ipcscope_live sysv-shm ID self)" -- "$cur")) ;;
		ipcrm:-q | ipcrm:--queue-id)
			COMPREPLY=($(compgen -W "$(_ipcscope_live sysv-msg ID self)" -- "$cur")) ;;
		ipcrm:-s | ipcrm:--semaphore-id)
			COMPREPLY=($(compgen -W "$(_ipcscope_live sysv-sem ID self)" -- "$cur")) ;;
		ipcrm:-M | ipcrm:--shmem-key)
			COMPREPLY=($(compgen -W "$(_ipcscope_live sysv-shm KEY self)" -- "$cur")) ;;
		ipcrm:-Q | ipcrm:--queue-key)
			COMPREPLY=($(compgen -W "$(_ipcscope_live sysv-msg KEY self)" -- "$cur")) ;;
		ipcrm:-S | ipcrm:--semaphore-key)
			COMPREPLY=($(compgen -W "$(_ipcscope_live sysv-sem KEY self)" -- "$cur")) ;;
		esac
		return # numbers and the like: nothing to offer
	fi

	if [[ $cmd == top && $cur == --color=* ]]; then
		COMPREPLY=($(compgen -P --color= -W "auto always never" -- "${cur#--color=}"))
		return
	fi
	if [[ $cur == -* ]]; then
		local opts
		opts=$(_ipcscope_options "$cmd")
		((cword == 1)) && opts+=" -V --version"
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi

	if ((cword == 1)); then
		COMPREPLY=($(compgen -W "$(_ipcscope_commands)" -- "$cur"))
		return
	fi

	# The words before this one that are neither options nor their values.
	local args=() skip=
	for ((i = first; i < cword; i++)); do
		w=${_ipcscope_words[i]}
		if [[ -n $skip ]]; then
			skip=
		elif [[ $w == -* ]]; then
			[[ $argopts == *" $w "* ]] && skip=1
		else
			args+=("$w")
		fi
	done

	case $cmd in
	show | rm)
		# KIND then ID|KEY|NAME (several for rm), or IDENTITY...
		local kinds
		kinds=$(_ipcscope_kinds)
		if ((${#args[@]} > 0)) && grep -qxF -- "${args[0]}" <<<"$kinds"; then
			[[ $cmd == show ]] && ((${#args[@]} >= 2)) && return
			_ipcscope_reply "$cur" "$(_ipcscope_live "${args[0]}" "$(_ipcscope_ref_column "${args[0]}")")"
		elif ((${#args[@]} == 0)); then
			_ipcscope_reply "$cur" "$kinds $(_ipcscope_live "" IDENTITY)"
		elif [[ $cmd == rm ]]; then
			_ipcscope_reply "$cur" "$(_ipcscope_live "" IDENTITY)"
		fi ;;
	restore)
		COMPREPLY=($(compgen -d -- "$cur"))
		compopt -o filenames 2>/dev/null ;;
	gen)
		COMPREPLY=($(compgen -W "all $("$(_ipcscope_bin)" gen --list 2>/dev/null | awk '{ print $1 }')" -- "$cur")) ;;
	bench)
		COMPREPLY=($(compgen -W "$("$(_ipcscope_bin)" bench --help 2>/dev/null |
			awk '/^Mechanisms/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')" -- "$cur")) ;;
	ipcrm)
		if ((${#args[@]} == 0)); then
			COMPREPLY=($(compgen -W "shm msg sem" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_ipcscope_live "sysv-${args[0]}" ID self)" -- "$cur"))
		fi ;;
	esac
}

complete -F _ipcscope ipcscope
