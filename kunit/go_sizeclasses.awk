# SPDX-License-Identifier: GPL-2.0
# Go's size-class table (go_sizeclasses.csv) as C initialisers, one
# "{ class, bytes/obj, bytes/span, objects }," a row: the fixture of
# kunit/sizeclasses_test.c, made by Kbuild and by tools/testing/goalloc.
BEGIN { FS = "," }
!/^#/ && $1 ~ /^[0-9]+$/ { printf "\t{ %s, %s, %s, %s },\n", $1, $2, $3, $4 }
