import packageJson from '../../package.json' with { type: 'json' };

/** Names the provisioner and its version to Fivetran, so its support can tell these calls apart from others. */
export const USER_AGENT = `fivetran-provisioner/${packageJson.version}`;
