/**
 * @file store.h  Persistent rooms: saved atomically, restored at start-up
 */

int store_save(const struct rooms *mgr, const char *dir);
int store_load(struct rooms *mgr, const char *dir);
