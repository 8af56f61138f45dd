#!/usr/bin/env bash
# Fetches the GraphiQL and React builds this crate embeds from the npm registry and replaces
# assets/vendor/ with them: the minified browser bundles and each package's LICENSE. Versions
# are pinned exactly; the README says why these ones. `npm pack` checks each tarball against
# the registry's integrity hash, and the sha256 of every file copied is printed so a change
# can be compared with the commit that checks it in.
#
# Run it through `make graphiql-assets`. It needs npm and the registry, nothing else.
set -euo pipefail

GRAPHIQL_VERSION=4.1.2
REACT_VERSION=18.3.1

crate=$(cd "$(dirname "$0")" && pwd)
vendor="$crate/assets/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Unpacks PACKAGE@VERSION into $work/PACKAGE and prints that folder.
unpack() {
  local package=$1 version=$2
  (cd "$work" && npm pack --silent "$package@$version" >/dev/null)
  mkdir -p "$work/$package"
  tar -xzf "$work/$package-$version.tgz" -C "$work/$package" --strip-components=1
  local found
  found=$(node -p "require('$work/$package/package.json').version")
  if [ "$found" != "$version" ]; then
    echo "fetch-assets: asked for $package@$version, got $found" >&2
    exit 1
  fi
  echo "$work/$package"
}

graphiql=$(unpack graphiql "$GRAPHIQL_VERSION")
react=$(unpack react "$REACT_VERSION")
react_dom=$(unpack react-dom "$REACT_VERSION")

rm -rf "$vendor"
mkdir -p "$vendor"
# The sourceMappingURL comments name .map files that are not shipped; the browser would ask
# for them (only with its developer tools open) and get a 404, which is harmless.
cp "$graphiql/graphiql.min.js" "$vendor/graphiql.min.js"
cp "$graphiql/graphiql.min.css" "$vendor/graphiql.min.css"
cp "$graphiql/LICENSE" "$vendor/LICENSE-graphiql.txt"
cp "$react/umd/react.production.min.js" "$vendor/react.production.min.js"
cp "$react/LICENSE" "$vendor/LICENSE-react.txt"
cp "$react_dom/umd/react-dom.production.min.js" "$vendor/react-dom.production.min.js"
cp "$react_dom/LICENSE" "$vendor/LICENSE-react-dom.txt"

echo "graphiql@$GRAPHIQL_VERSION react@$REACT_VERSION react-dom@$REACT_VERSION -> $vendor"
(cd "$vendor" && sha256sum -- *)
