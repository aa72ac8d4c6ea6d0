"""The documented exit codes of ``netraven`` (README, "Exit codes"), in one place."""

OK = 0
INTERNAL = 1
FAILED = 2  # some host failed a task (also: rolled back, rollback failed)
UNREACHABLE = 4  # some host was unreachable, and none failed
INPUT = 5  # invalid options, inventory, playbook or template
# run --check --detailed-exitcode: the run succeeded and some task would change a device.
# Terraform says 2 for this, but 2 is "failed" here; 3 is taken by `lab status`.
CHANGES_PENDING = 6
ABORTED = 8  # a failure policy aborted the run
INTERRUPTED = 99  # Ctrl-C or SIGTERM
