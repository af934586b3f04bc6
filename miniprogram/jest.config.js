// Pages run under miniprogram-simulate, which needs a DOM (jsdom).
module.exports = {
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/tests/**/*.test.js'],
  reporters: ['default', '<rootDir>/tests/summary-reporter.js'],
  clearMocks: true
};
