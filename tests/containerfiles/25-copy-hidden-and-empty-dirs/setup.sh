#!/bin/sh
# git keeps no empty directory: make the one the case copies.
mkdir -p tree/emptydir
