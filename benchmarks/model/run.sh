#!/usr/bin/env bash
echo "model benchmark: not built yet" >&2
exit 1
