// png_pixels.hpp — decodes the 8-bit, non-interlaced PNGs rsvg-convert writes (zlib only), so a
// test can count what was drawn: pixels that differ from the white background, and saturated
// (coloured) pixels, which only data series produce (axes and text are black or grey).
#pragma once

#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace t2::testing {

struct PixelCounts {
  std::uint32_t width = 0, height = 0;
  std::uint64_t non_background = 0;  // not (near) white
  std::uint64_t coloured = 0;        // max(r, g, b) - min(r, g, b) > 60
};

inline std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

inline PixelCounts count_pixels(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> f((std::istreambuf_iterator<char>(in)), {});
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (f.size() < 8 || !std::equal(sig, sig + 8, f.begin())) throw std::runtime_error(path + ": not a PNG");
  PixelCounts pc;
  int channels = 0;
  std::vector<unsigned char> idat;
  for (std::size_t at = 8; at + 12 <= f.size();) {
    const std::uint32_t len = be32(&f[at]);
    const std::string type(reinterpret_cast<const char*>(&f[at + 4]), 4);
    const unsigned char* data = &f[at + 8];
    if (type == "IHDR") {
      pc.width = be32(data), pc.height = be32(data + 4);
      const int depth = data[8], colour = data[9], interlace = data[12];
      if (depth != 8 || interlace != 0) throw std::runtime_error(path + ": only 8-bit non-interlaced PNGs are read");
      channels = colour == 6 ? 4 : colour == 2 ? 3 : colour == 4 ? 2 : colour == 0 ? 1 : 0;
      if (!channels) throw std::runtime_error(path + ": palette PNGs are not read");
    } else if (type == "IDAT") {
      idat.insert(idat.end(), data, data + len);
    }
    at += 12 + len;
  }
  const std::size_t stride = std::size_t(pc.width) * channels;
  std::vector<unsigned char> raw(pc.height * (stride + 1));
  uLongf size = raw.size();
  if (uncompress(raw.data(), &size, idat.data(), idat.size()) != Z_OK || size != raw.size())
    throw std::runtime_error(path + ": bad image data");
  std::vector<unsigned char> prev(stride, 0), row(stride);
  for (std::uint32_t y = 0; y < pc.height; ++y) {
    const unsigned char filter = raw[y * (stride + 1)];
    const unsigned char* src = &raw[y * (stride + 1) + 1];
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= std::size_t(channels) ? row[x - channels] : 0, b = prev[x],
                c = x >= std::size_t(channels) ? prev[x - channels] : 0;
      int pred = 0;
      if (filter == 1) pred = a;
      else if (filter == 2) pred = b;
      else if (filter == 3) pred = (a + b) / 2;
      else if (filter == 4) {
        const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pcc = std::abs(p - c);
        pred = pa <= pb && pa <= pcc ? a : pb <= pcc ? b : c;
      }
      row[x] = static_cast<unsigned char>(src[x] + pred);
    }
    for (std::uint32_t x = 0; x < pc.width; ++x) {
      const unsigned char* px = &row[std::size_t(x) * channels];
      const int r = px[0], g = channels >= 3 ? px[1] : px[0], bl = channels >= 3 ? px[2] : px[0];
      if (r < 245 || g < 245 || bl < 245) ++pc.non_background;
      if (std::max({r, g, bl}) - std::min({r, g, bl}) > 60) ++pc.coloured;
    }
    prev = row;
  }
  return pc;
}

}  // namespace t2::testing
