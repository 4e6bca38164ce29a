"""appealgen: appeal and reconsideration packets for denied medical claims."""

__version__ = "0.1.0"
