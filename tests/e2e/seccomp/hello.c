#include <pthread.h>
#include <stdio.h>

static void *run(void *arg) {
  *(int *)arg *= 2;
  return NULL;
}

int main(void) {
  int value = 21;
  pthread_t t;
  if (pthread_create(&t, NULL, run, &value) != 0 || pthread_join(t, NULL) != 0) return 1;
  printf("hello %d\n", value);
  return value == 42 ? 0 : 1;
}
