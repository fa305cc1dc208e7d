/**
 * @file openapi.c  api/openapi.yaml linked into the binary, NUL-ended
 *
 * The spec ships inside chorusd so that GET /v1/openapi.yaml needs no
 * file at run time (a container has only the binary).
 */

__asm__(".section .rodata\n"
	".global api_openapi_yaml\n"
	".type api_openapi_yaml, @object\n"
	"api_openapi_yaml:\n"
	".incbin \"api/openapi.yaml\"\n"
	".byte 0\n"
	".size api_openapi_yaml, . - api_openapi_yaml\n"
	".previous\n");
