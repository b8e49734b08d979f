// shell: Ansible's shell module, a command line run by /bin/sh (or `executable`): command's planner, told to use a shell.
import { commandModule } from './command.ts';

export default commandModule('shell', [
  'Run a shell command line: the free form `shell: "a | b > c" creates=/x`, or `cmd`; `executable` picks the shell',
  '(default /bin/sh). Skipped when `creates` exists or `removes` is gone; without either it runs every time,',
  'and check mode cannot predict what it changes.',
].join(' '));
