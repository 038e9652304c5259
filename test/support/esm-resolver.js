// Jest resolver: packages that publish ES modules only (no "require" export condition) resolve
// through their "import" condition; everything else resolves as usual.
const ESM_ONLY = /^(kubernetes-models|@kubernetes-models\/[^/]+)(\/|$)/;

module.exports = (request, options) => {
  if (ESM_ONLY.test(request)) {
    return options.defaultResolver(request, { ...options, conditions: ['import', 'default'] });
  }
  return options.defaultResolver(request, options);
};
