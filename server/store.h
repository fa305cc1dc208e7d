/**
 * @file store.h  Persistent rooms: saved atomically, restored at start-up
 */

#ifndef CHORUS_STORE_H
#define CHORUS_STORE_H

#include <re.h>

struct rooms;

int store_save(const struct rooms *mgr, const char *dir);
int store_load(struct rooms *mgr, const char *dir);

#endif
