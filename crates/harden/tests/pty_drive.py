"""Run a command on a pseudo-terminal and answer its prompts.

usage: pty_drive.py CWD ANSWERS CMD [ARGS...]
ANSWERS is comma-separated; each is typed when the next prompt appears.
Prints everything the terminal showed and exits with the command's status.
"""
import os
import pty
import select
import sys
import time

PROMPTS = (b"[e]xplain: ", b"(empty to skip): ")

cwd, answers, cmd = sys.argv[1], [a for a in sys.argv[2].split(",") if a], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.chdir(cwd)
    os.environ["NO_COLOR"] = "1"
    os.execv(cmd[0], cmd)

out = b""
typed = 0
deadline = time.time() + 60
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.2)
    if not ready:
        continue
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    out += data
    while sum(out.count(p) for p in PROMPTS) > typed and typed < len(answers):
        os.write(fd, (answers[typed] + "\n").encode())
        typed += 1
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status))
