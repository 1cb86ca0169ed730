// libzmq (Debian: libzmq3-dev) and the few Linux headers the ZeroMQ module needs
// that Glibc does not export to Swift.
#include <zmq.h>
#include <sys/eventfd.h>
#include <malloc.h>
