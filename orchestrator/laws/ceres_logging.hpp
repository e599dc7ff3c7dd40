// ceres_logging.hpp — internal to t2_laws: keeps Ceres's glog warnings (e.g. "Trying to extract
// roots from a constant polynomial", harmless in the line search on Huber's linear part) off
// the user's terminal. Only raises glog's threshold to ERROR; t2 does not use glog itself.
#pragma once

#include <glog/logging.h>

#include <mutex>

namespace t2::detail {

inline void quiet_ceres_logging() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (FLAGS_minloglevel < google::GLOG_ERROR) FLAGS_minloglevel = google::GLOG_ERROR;
  });
}

}  // namespace t2::detail
