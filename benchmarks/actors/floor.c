// The floor for the actor-system benchmark: raw libzmq DEALER/ROUTER round trips in C.
//
//   floor server ENDPOINT      echo every message back
//   floor client ENDPOINT      print rtt_p50_us, rtt_p99_us, pipelined_s, payload_mib_s
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int server(void *ctx, const char *endpoint) {
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    int zero = 0;
    zmq_setsockopt(router, ZMQ_SNDHWM, &zero, sizeof zero);
    zmq_setsockopt(router, ZMQ_RCVHWM, &zero, sizeof zero);
    if (zmq_bind(router, endpoint) != 0) { perror("bind"); return 1; }
    printf("READY\n");
    fflush(stdout);
    for (;;) {
        zmq_msg_t id, body;
        zmq_msg_init(&id);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&id, router, 0) < 0) break;
        zmq_msg_recv(&body, router, 0);
        // A large request gets a small reply, as a call with a 4 MiB argument would.
        if (zmq_msg_size(&body) > 1024) {
            zmq_msg_close(&body);
            zmq_msg_init_size(&body, 8);
            memset(zmq_msg_data(&body), 0, 8);
        }
        zmq_msg_send(&id, router, ZMQ_SNDMORE);
        zmq_msg_send(&body, router, 0);
    }
    return 0;
}

static int client(void *ctx, const char *endpoint) {
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(dealer, ZMQ_SNDHWM, &zero, sizeof zero);
    zmq_setsockopt(dealer, ZMQ_RCVHWM, &zero, sizeof zero);
    zmq_connect(dealer, endpoint);
    char payload[64];
    memset(payload, 7, sizeof payload);
    char reply[64];

    enum { WARMUP = 1000, SAMPLES = 10000 };
    static double samples[SAMPLES];
    for (int i = 0; i < WARMUP; i++) {
        zmq_send(dealer, payload, sizeof payload, 0);
        zmq_recv(dealer, reply, sizeof reply, 0);
    }
    for (int i = 0; i < SAMPLES; i++) {
        double start = now_us();
        zmq_send(dealer, payload, sizeof payload, 0);
        zmq_recv(dealer, reply, sizeof reply, 0);
        samples[i] = now_us() - start;
    }
    qsort(samples, SAMPLES, sizeof(double), compare);

    enum { PIPELINED = 200000, IN_FLIGHT = 1000 };
    double start = now_us();
    int sent = 0, received = 0;
    while (received < PIPELINED) {
        while (sent < PIPELINED && sent - received < IN_FLIGHT) {
            zmq_send(dealer, payload, sizeof payload, 0);
            sent++;
        }
        zmq_recv(dealer, reply, sizeof reply, 0);
        received++;
    }
    double pipelined = PIPELINED / ((now_us() - start) / 1e6);

    enum { LARGE = 4 << 20, LARGE_CALLS = 50 };
    char *large = malloc(LARGE);
    memset(large, 1, LARGE);
    zmq_send(dealer, large, LARGE, 0);
    zmq_recv(dealer, reply, sizeof reply, 0);
    start = now_us();
    for (int i = 0; i < LARGE_CALLS; i++) {
        zmq_send(dealer, large, LARGE, 0);
        zmq_recv(dealer, reply, sizeof reply, 0);
    }
    double mib_s = LARGE_CALLS * 4.0 / ((now_us() - start) / 1e6);

    printf("rtt_p50_us=%.1f rtt_p99_us=%.1f pipelined_s=%.0f payload_mib_s=%.0f\n",
           samples[SAMPLES / 2], samples[SAMPLES * 99 / 100], pipelined, mib_s);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: floor server|client ENDPOINT\n"); return 2; }
    void *ctx = zmq_ctx_new();
    return strcmp(argv[1], "server") == 0 ? server(ctx, argv[2]) : client(ctx, argv[2]);
}
