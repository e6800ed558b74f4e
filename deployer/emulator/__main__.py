"""`python -m deployer.emulator serve ...`, the same as `deployer emulator serve ...`."""

from ..cli.emulator import emulator

emulator(prog_name="python -m deployer.emulator")
