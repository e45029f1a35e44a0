import { setupServer } from 'msw/node';

/** The msw server every jest test runs behind (started in jest-setup.js); tests add handlers. */
export const server = setupServer();
