# bash completion for ipcscope
