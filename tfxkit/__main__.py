from tfxkit.cli import entry

entry()
