"""Run every benchmark: `make bench` (needs the services for the poll benchmark)."""

from bench import poll, timespec

if __name__ == "__main__":
    timespec.main()
    poll.main()
