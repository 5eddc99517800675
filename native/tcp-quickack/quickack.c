/* TCP_QUICKACK for Node sockets (node:net has no setsockopt). What it must stay: one function,
 * quickAck(fd) -> boolean, that asks the kernel to send any delayed ACK on that TCP socket now and
 * touches nothing else; false where the option does not exist (not Linux) or the fd is no TCP
 * socket. Used by src/net/quick-ack.ts, which works without it (the ACK then waits up to 40 ms). */
#include <node_api.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static napi_value quick_ack(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  int ok = 0;
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == 1 &&
      napi_get_value_int32(env, argv[0], &fd) == napi_ok && fd >= 0) {
#ifdef TCP_QUICKACK
    int one = 1;
    ok = setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one) == 0;
#endif
  }
  napi_get_boolean(env, ok, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "quickAck", NAPI_AUTO_LENGTH, quick_ack, NULL, &fn);
  napi_set_named_property(env, exports, "quickAck", fn);
  return exports;
}
