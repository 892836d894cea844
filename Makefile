# Two commands for a newcomer: `make run` and `make test`. Everything else is set up by them.
PY        ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
PG_URL    ?= postgres://postgres@127.0.0.1:5432/test
PORT      ?= 8000

# Debian packages the test suite uses (LibreOffice renders the official documents to PDF to check
# their layout; Noto CJK gives it Chinese glyphs; chromium runs the browser suite in tests/browser).
# Installed once, only when missing. postgresql-client: pg_dump/pg_restore for `banli backup|restore`
# on PostgreSQL (their tests run on PostgreSQL too).
DEB_TEST  := libreoffice-writer-nogui poppler-utils fonts-noto-cjk chromium postgresql-client

.PHONY: install run test system-deps fonts demo bench clean drill

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip >/dev/null
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The demo is served as it would be deployed: DEBUG off (Chinese error pages, no debug page with the
# URL map), static files by WhiteNoise.
run: install
	$(BIN)/banli migrate --noinput
	$(BIN)/banli demo
	DEBUG=false $(BIN)/banli serve --port $(PORT)

demo: install
	$(BIN)/banli migrate --noinput
	$(BIN)/banli demo

# The suite runs on SQLite, then again on PostgreSQL when one answers; any failing run fails.
system-deps:
	@missing=$$(for p in $(DEB_TEST); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# Official-document fonts (GB/T 9704): free faces of the four styles an office uses — 仿宋 FandolFang,
# 宋/小标宋 FandolSong, 楷 FandolKai, 黑 FandolHei. Debian ships Fandol only inside texlive-lang-chinese,
# so only its .otf files are taken from that package (not TeX); AR PL UMing/UKai cover the characters
# Fandol lacks. The fontconfig aliases map 仿宋_GB2312, 方正小标宋简体, 楷体_GB2312, 黑体 to them.
# Idempotent: each step runs only when its result is missing or differs.
DEB_FONTS    := fonts-arphic-ukai fonts-arphic-uming
FANDOL_DIR   := /usr/local/share/fonts/fandol
FANDOL_SRC   := ./usr/share/texlive/texmf-dist/fonts/opentype/public/fandol
FONT_ALIASES := banli/reports/fontconfig/65-banli-official-fonts.conf

fonts:
	@missing=$$(for p in $(DEB_FONTS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@if [ ! -f $(FANDOL_DIR)/FandolFang-Regular.otf ]; then \
	  echo "installing the Fandol fonts into $(FANDOL_DIR)"; \
	  tmp=$$(mktemp -d) && cd $$tmp && apt-get download -qq texlive-lang-chinese && \
	  dpkg-deb --fsys-tarfile texlive-lang-chinese_*.deb | tar -x --wildcards \
	    '$(FANDOL_SRC)/FandolFang-*.otf' '$(FANDOL_SRC)/FandolSong-*.otf' \
	    '$(FANDOL_SRC)/FandolKai-*.otf' '$(FANDOL_SRC)/FandolHei-*.otf' && \
	  install -d $(FANDOL_DIR) && install -m 644 $(FANDOL_SRC)/*.otf $(FANDOL_DIR)/ && \
	  cd / && rm -rf $$tmp && fc-cache -f >/dev/null; \
	fi
	@cmp -s $(FONT_ALIASES) /etc/fonts/conf.d/65-banli-official-fonts.conf || { \
	  install -m 644 $(FONT_ALIASES) /etc/fonts/conf.d/65-banli-official-fonts.conf && fc-cache -f >/dev/null; }

test: install system-deps fonts
	@bash scripts/test-all.sh

# wrk drives the HTTP benchmark (bench/http_bench.py) on loopback.
DEB_BENCH := wrk

bench: install
	@dpkg -s $(DEB_BENCH) >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  apt-get install -y -qq --no-install-recommends $(DEB_BENCH) >/dev/null)
	$(BIN)/python bench/run.py

# The multi-process drill (bench/drill.py, docs/operations.md): nginx in front of two gunicorn instances,
# the worker, PostgreSQL and Redis; not part of `make test`. Installs its Debian packages when missing.
DEB_DRILL := nginx redis-server postgresql-client
drill: install
	@missing=$$(for p in $(DEB_DRILL); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	$(BIN)/python bench/drill.py --json var/drill-report.json

clean:
	rm -rf $(VENV) var build *.egg-info
