// docker-doctor runs this hook when it builds its catalogue: every check returned here joins the built-in ones.
import pinnedImages from '../pinned-images.js';

/** @returns {Promise<import('@docker-doctor/cli').Check[]>} */
export default async function checks() {
  return [pinnedImages];
}
