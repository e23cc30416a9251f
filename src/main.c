/* main.c - placeholder until the command table lands. */
#include "config.h"

#include <stdio.h>

int
main(void)
{
	puts(PACKAGE_STRING);
	return (0);
}
