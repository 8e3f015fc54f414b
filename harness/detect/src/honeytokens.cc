// Canary generation and the encoded forms the exfiltration scan looks for; see
// honeytokens.h. The files look like the real thing (an OpenSSH key block, an AWS INI
// file, a docker auth entry) because a stealer may parse them before sending.
#include "detect/honeytokens.h"

#include <random>

#include "detect/glob.h"

namespace gs::detect {

namespace {

constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kUpperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kSecretChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kB64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kB32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string random_string(std::mt19937_64& rng, std::string_view alphabet, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
  return s;
}

// The characters of an encoding (bits_per_char, alphabet) of `secret` that depend only
// on its bytes when it starts `lead` bytes into a group.
std::string determined_chars(std::string_view secret, size_t lead, unsigned bits,
                             std::string_view alphabet) {
  std::vector<uint8_t> stream(lead, 0);
  stream.insert(stream.end(), secret.begin(), secret.end());
  stream.resize(stream.size() + 8, 0);
  size_t first_bit = 8 * lead, end_bit = 8 * (lead + secret.size());
  std::string out;
  for (size_t i = (first_bit + bits - 1) / bits; (i + 1) * bits <= end_bit; ++i) {
    unsigned v = 0;
    for (unsigned b = 0; b < bits; ++b) {
      size_t bit = i * bits + b;
      v = v << 1 | ((stream[bit / 8] >> (7 - bit % 8)) & 1u);
    }
    out += alphabet[v];
  }
  return out;
}

std::string ssh_private_key(std::mt19937_64& rng, const std::string& comment,
                            std::string* body_line) {
  // openssh-key-v1 container: magic, "none" cipher and kdf, one ed25519 key. The key
  // bytes are random: it only has to look right and be unique.
  std::string blob = std::string("openssh-key-v1") + '\0';
  auto put_str = [&](const std::string& s) {
    uint32_t n = static_cast<uint32_t>(s.size());
    for (int k = 3; k >= 0; --k) blob += static_cast<char>((n >> (8 * k)) & 0xFF);
    blob += s;
  };
  auto random_bytes = [&](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += static_cast<char>(rng() & 0xFF);
    return s;
  };
  put_str("none");
  put_str("none");
  put_str("");
  blob += std::string("\0\0\0\1", 4);
  std::string pub = random_bytes(32);
  put_str("ssh-ed25519");
  put_str(pub);
  put_str(random_bytes(140) + comment);
  std::string b64 = base64_encode(blob);
  std::string out = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
  std::vector<std::string> lines;
  for (size_t i = 0; i < b64.size(); i += 70) lines.push_back(b64.substr(i, 70));
  for (const auto& l : lines) out += l + "\n";
  out += "-----END OPENSSH PRIVATE KEY-----\n";
  // The third line is all random key bytes: unique to this run.
  *body_line = lines.size() > 2 ? lines[2] : lines.back();
  return out;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 |
                 uint8_t(bytes[i + 2]);
    for (int k = 3; k >= 0; --k) out += kB64[(v >> (6 * k)) & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v =
        uint32_t(uint8_t(bytes[i])) << 16 | (rest == 2 ? uint32_t(uint8_t(bytes[i + 1])) << 8 : 0);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += rest == 2 ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::vector<std::string> base64_forms(std::string_view secret, bool url) {
  std::vector<std::string> out;
  for (size_t lead = 0; lead < 3; ++lead)
    out.push_back(determined_chars(secret, lead, 6, url ? kB64Url : kB64));
  return out;
}

std::vector<std::string> base32_forms(std::string_view secret) {
  std::vector<std::string> out;
  for (size_t lead = 0; lead < 5; ++lead) out.push_back(determined_chars(secret, lead, 5, kB32));
  return out;
}

std::string hex_form(std::string_view secret, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (unsigned char c : secret) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

Honeytokens Honeytokens::generate(uint64_t seed, std::string_view user_view,
                                  std::string_view host_view) {
  std::string user(user_view), host(host_view);
  std::mt19937_64 rng(seed ^ 0x676f73616e64626fULL);
  Honeytokens h;
  std::string key_line;
  h.files[".ssh/id_rsa"] = ssh_private_key(rng, user + "@" + host, &key_line);
  h.canaries.push_back({"~/.ssh/id_rsa", key_line});

  std::string file_key_id = "AKIA" + random_string(rng, kUpperAlnum, 16);
  std::string file_secret = random_string(rng, kSecretChars, 40);
  h.files[".aws/credentials"] = "[default]\naws_access_key_id = " + file_key_id +
                                "\naws_secret_access_key = " + file_secret +
                                "\nregion = us-east-1\n";
  h.canaries.push_back({"~/.aws/credentials", file_key_id});
  h.canaries.push_back({"~/.aws/credentials", file_secret});

  std::string git_token = "ghp_" + random_string(rng, kAlnum, 36);
  h.files[".git-credentials"] = "https://" + user + ":" + git_token + "@github.com\n";
  h.canaries.push_back({"~/.git-credentials", git_token});

  std::string netrc_password = random_string(rng, kAlnum, 32);
  h.files[".netrc"] =
      "machine api.github.com\n  login " + user + "\n  password " + netrc_password + "\n";
  h.canaries.push_back({"~/.netrc", netrc_password});

  std::string docker_password = "dckr_pat_" + random_string(rng, kAlnum, 27);
  h.files[".docker/config.json"] =
      "{\n\t\"auths\": {\n\t\t\"https://index.docker.io/v1/\": {\n\t\t\t\"auth\": \"" +
      base64_encode(user + ":" + docker_password) + "\"\n\t\t}\n\t}\n}\n";
  h.canaries.push_back({"~/.docker/config.json", docker_password});
  // The auth field as stored: a stealer that re-encodes the file carries this, not the
  // password in clear.
  h.canaries.push_back({"~/.docker/config.json", base64_encode(user + ":" + docker_password)});

  std::string env_github = "ghp_" + random_string(rng, kAlnum, 36);
  std::string env_key_id = "AKIA" + random_string(rng, kUpperAlnum, 16);
  std::string env_secret = random_string(rng, kSecretChars, 40);
  h.env = {{"GITHUB_TOKEN", env_github},
           {"AWS_ACCESS_KEY_ID", env_key_id},
           {"AWS_SECRET_ACCESS_KEY", env_secret}};
  for (const auto& [k, v] : h.env) h.canaries.push_back({"env:" + k, v});
  return h;
}

bool Honeytokens::is_planted(std::string_view path, std::string_view home) const {
  for (const auto& [rel, content] : files)
    if (path == std::string(home) + "/" + rel) return true;
  return false;
}

}  // namespace gs::detect
